"""The IOC analytics dashboard (/analytics) and its CSV (/analytics.csv): filters by Vietnam dates,
camera and province; charts drawn on the server as SVG. Both read only the aggregate table
(analytics.reads), never the base tables, so a year of data costs a few grouped sums."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from analytics.reads import MAX_RANGE_DAYS, AnalyticsFilter, Dashboard, csv_rows, dashboard, default_range
from core.auth.deps import require
from core.auth.principal import Principal
from core.errors import InvalidInput
from core.models import Role
from core.time import vn_today
from web import analytics_text  # noqa: F401 - registers the page text
from web.analytics_charts import Series, bar_chart, hbar_chart, line_chart
from web.i18n import lang_of, translator
from web.routes import DB, render

router = APIRouter(tags=["web"], include_in_schema=False)
Analyst = Annotated[Principal, Depends(require(Role.supervisor, Role.ops, Role.admin))]
Day = Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class AnalyticsQuery:
    def __init__(
        self,
        request: Request,
        first: Annotated[Day, Query(alias="from")] = None,
        last: Annotated[Day, Query(alias="to")] = None,
        camera: Annotated[str | None, Query(max_length=40)] = None,
        area: Annotated[str | None, Query(pattern=r"^(\d{2})?$")] = None,
    ) -> None:
        t = translator(lang_of(request))
        start, end = default_range(vn_today())
        first = first or (start if last is None else min(start, last))
        last = last or max(end, first)
        if first > last:
            raise InvalidInput(t("range_reversed").format(first=first, last=last))
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise InvalidInput(t("range_too_long").format(n=MAX_RANGE_DAYS))
        self.filter = AnalyticsFilter(first, last, camera or None, area or None)

    def export_link(self) -> str:
        f = self.filter
        params = [f"from={f.first}", f"to={f.last}"]
        params += [f"camera={f.camera}"] if f.camera else []
        params += [f"area={f.province}"] if f.province else []
        return "/analytics.csv?" + "&".join(params)


Filters = Annotated[AnalyticsQuery, Depends()]


def charts(board: Dashboard, lang: str) -> dict[str, Markup]:
    t = translator(lang)
    days = [day.strftime("%d/%m") for day, _ in board.by_day]
    weekday_names = t("weekdays").split(",")
    rates = [
        100 * (fig.payment_rate if fig.payment_rate is not None else math.nan) for _, fig in board.by_day
    ]
    return {
        "by_type": hbar_chart(
            "chart-type", t("chart_by_type"), [(code, fig.detected) for code, fig in board.by_code]
        ),
        "by_camera": hbar_chart(
            "chart-camera", t("chart_by_camera"), [(code, fig.detected) for code, fig in board.by_camera]
        ),
        "by_hour": bar_chart(
            "chart-hour", t("chart_by_hour"), [(f"{h:02d}", fig.detected) for h, fig in board.by_hour]
        ),
        "by_weekday": bar_chart(
            "chart-weekday",
            t("chart_by_weekday"),
            [(weekday_names[n], fig.detected) for n, fig in board.by_weekday],
        ),
        "trend": line_chart(
            "chart-trend",
            t("chart_trend"),
            days,
            [
                Series(t("m_detected"), [fig.detected for _, fig in board.by_day], "s0"),
                Series(t("m_confirmed"), [fig.confirmed for _, fig in board.by_day], "s1"),
                Series(t("m_notices"), [fig.notices for _, fig in board.by_day], "s2"),
            ],
        ),
        "throughput": line_chart(
            "chart-throughput",
            t("chart_throughput"),
            days,
            [
                Series(t("m_confirmed"), [fig.confirmed for _, fig in board.by_day], "s1"),
                Series(t("m_rejected"), [fig.rejected for _, fig in board.by_day], "s3"),
            ],
        ),
        "payment_rate": line_chart(
            "chart-payment-rate", t("chart_payment_rate"), days, [Series(t("m_paid"), rates, "s2")], unit="%"
        ),
    }


@router.get("/analytics")
def analytics_page(request: Request, db: DB, principal: Analyst, q: Filters) -> Response:
    board = dashboard(db, q.filter)
    lang = lang_of(request)
    return render(
        request,
        "analytics.html",
        principal,
        board=board,
        q=q,
        charts={} if board.empty else charts(board, lang),
    )


@router.get("/analytics.csv")
def analytics_csv(db: DB, principal: Analyst, q: Filters) -> Response:
    """The page's figures as CSV (aggregates only: no person's data, so nothing to audit)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(csv_rows(dashboard(db, q.filter)))
    f = q.filter
    name = f"analytics-{f.first}-{f.last}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
