"""The reconciliation page over HTTP: supervisors only, the mismatches with their facts in Vietnamese and
English, and the resolve forms (CSRF, audited, refused ones shown as an error with nothing changed)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from payments.models import Payment, PaymentStatus
from payments.reconciliation import service as reconciliation
from payments.reconciliation.models import Mismatch, MismatchKind, MismatchStatus, Resolution
from tests.payments.test_reconciliation import Planted, plant
from tests.support.factories import make_staff
from tests.web.test_pages import HTML, _csrf, _sign_in

PAGE = "/payments/reconciliation"


def planted(db: Session) -> Planted:
    p = plant(db)
    reconciliation.reconcile(db, p.gw, p.day, actor="system")
    db.commit()
    return p


def mismatch_of(db: Session, kind: MismatchKind, payment: Payment) -> Mismatch:
    db.rollback()
    return db.scalars(select(Mismatch).where(Mismatch.kind == kind, Mismatch.payment_id == payment.id)).one()


def row(html: str, mismatch: Mismatch) -> str:
    start = html.index(f'data-mismatch="{mismatch.id}"')
    return html[start : html.index("</tr>", start)]


def post(client: TestClient, mismatch: Mismatch, action: str, note: str = "", csrf: str | None = None):
    token = csrf if csrf is not None else _csrf(client.get(PAGE, headers=HTML).text)
    return client.post(
        f"{PAGE}/{mismatch.id}/{action}",
        data={"csrf": token, "note": note},
        headers=HTML,
        follow_redirects=False,
    )


def test_the_page_lists_mismatches_with_their_facts_in_both_languages(
    client: TestClient, db: Session
) -> None:
    user = make_staff(db, Role.supervisor, username="ketoan1")
    p = planted(db)
    _sign_in(client, "ketoan1")
    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200
    assert "Đối soát thanh toán" in page.text and "Cổng đã thu, hệ thống chưa ghi nhận" in page.text
    assert "Thu hai lần cho một quyết định" in page.text and "Số tiền khác nhau" in page.text
    assert page.text.count('data-mismatch="') == 6 and page.text.count('data-run="') == 1
    assert p.lost_ipn.reference in page.text and p.lost_ipn.decision.number in page.text
    assert "fake_STRANGER" in page.text and "Không có khoản thanh toán nào" in page.text
    forms = {
        kind: re.findall(r'action="/payments/reconciliation/[^/]+/([a-z-]+)"', row(page.text, m))
        for kind, m in [
            ("lost", mismatch_of(db, MismatchKind.missing_here, p.lost_ipn)),
            ("twice", mismatch_of(db, MismatchKind.paid_twice, p.twice)),
            ("gone", mismatch_of(db, MismatchKind.missing_at_gateway, p.not_at_gateway)),
        ]
    }
    assert forms == {"lost": ["attach", "write-off"], "twice": ["refund", "write-off"], "gone": ["write-off"]}
    assert 'href="/payments/reconciliation"' in page.text  # in the navigation
    english = client.get(f"{PAGE}?lang=en", headers=HTML)
    assert (
        "Payment reconciliation" in english.text and "Paid at the gateway, not recorded here" in english.text
    )
    assert (
        "Recorded paid here, unknown at the gateway" in english.text and "Reconciliation runs" in english.text
    )

    db.rollback()
    reads = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "payment_mismatches.read").order_by(AuditEntry.seq)
    ).all()
    assert reads and {r.actor for r in reads} == {f"staff:{user.id}"}
    assert p.lost_ipn.decision.number in reads[0].detail["decisions"]
    assert p.lost_ipn.decision.cccd in reads[0].detail["owners"]


def test_resolve_forms_attach_refund_write_off(client: TestClient, db: Session) -> None:
    user = make_staff(db, Role.supervisor, username="ketoan2")
    p = planted(db)
    actor = f"staff:{user.id}"
    _sign_in(client, "ketoan2")

    lost = mismatch_of(db, MismatchKind.missing_here, p.lost_ipn)
    assert post(client, lost, "attach", csrf="forged").status_code == 403
    done = post(client, lost, "attach", note="IPN lost")
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?done=attach"
    assert "Đã ghi nhận khoản thanh toán" in client.get(done.headers["location"], headers=HTML).text
    again = post(client, lost, "attach")
    assert (
        again.status_code == 409
        and "Không thể xử lý chênh lệch này" in again.text
        and "already resolved" in again.text
    )

    twice = mismatch_of(db, MismatchKind.paid_twice, p.twice)
    assert post(client, twice, "refund", note="paid twice").headers["location"] == f"{PAGE}?done=refund"
    refused = post(client, mismatch_of(db, MismatchKind.missing_at_gateway, p.not_at_gateway), "refund")
    assert refused.status_code == 409

    gone = mismatch_of(db, MismatchKind.missing_at_gateway, p.not_at_gateway)
    no_note = post(client, gone, "write-off")
    assert no_note.status_code == 422 and "Cần ghi chú lý do" in no_note.text
    assert post(client, gone, "write-off", note="paid in cash at the counter").status_code == 303

    db.rollback()
    db.expire_all()
    by_id = {m.id: m for m in db.scalars(select(Mismatch))}
    assert (by_id[lost.id].resolution, by_id[twice.id].resolution, by_id[gone.id].resolution) == (
        Resolution.attach,
        Resolution.refund,
        Resolution.write_off,
    )
    assert {by_id[i].resolved_by for i in (lost.id, twice.id, gone.id)} == {actor}
    assert db.get(Payment, p.lost_ipn.id).status is PaymentStatus.succeeded  # type: ignore[union-attr]
    assert db.get(Payment, p.twice.id).status is PaymentStatus.refunded  # type: ignore[union-attr]
    actions = [
        e.action
        for e in db.scalars(select(AuditEntry).where(AuditEntry.actor == actor).order_by(AuditEntry.seq))
        if e.action.startswith("payment_mismatch.")
    ]
    assert actions == ["payment_mismatch.attach", "payment_mismatch.refund", "payment_mismatch.write_off"]
    resolved = client.get(f"{PAGE}?status=resolved&lang=en", headers=HTML)
    assert resolved.text.count('data-mismatch="') == 3 and "paid in cash at the counter" in resolved.text
    open_left = db.scalars(select(Mismatch).where(Mismatch.status == MismatchStatus.open)).all()
    assert len(open_left) == 3


def test_only_supervisors(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="duyet1")
    make_staff(db, Role.ops, username="vanhanh1")
    db.commit()
    anonymous = client.get(PAGE, headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    for username in ("duyet1", "vanhanh1"):
        _sign_in(client, username)
        assert client.get(PAGE, headers=HTML).status_code == 403
        home = client.get("/", headers=HTML).text
        assert 'href="/payments/reconciliation"' not in home
        client.post("/logout", data={"csrf": _csrf(home)}, headers=HTML)
