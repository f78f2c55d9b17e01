"""Naming the driver (ND 168/2024 Art. 47(6)–(8)): accepted, refused, timed out; an organisation must
name one; the named citizen is told, and the owner is told the answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.principal import CITIZEN, Principal
from core.jobs.schedule import SCHEDULES
from core.models import Job
from core.time import to_local, utc_now
from penalties.notices.access import liable_cccd
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.service import PAYMENT_DAYS
from penalties.responses.exceptions import (
    NominationAnswered,
    NominationNotAllowed,
    NominationNotFound,
    NomineeUnknown,
)
from penalties.responses.models import NominationStatus
from penalties.responses.nominations import answer, expire_nominations, nominate
from penalties.responses.service import acknowledge, closed_for_owner
from tests.support.responses import delivered_notice, people


def notify_jobs(db: Session, event: str) -> list[dict]:
    return [
        j.payload
        for j in db.scalars(select(Job).where(Job.name == "citizen_app.notify"))
        if j.payload["event"] == event
    ]


def test_accepted_the_notice_moves_to_the_driver(db: Session) -> None:
    owner, driver = people(db, 201, 202)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    now = utc_now()
    made = nominate(db, notice, owner_cccd=owner.cccd, driver_cccd=driver.cccd, now=now)
    assert notice.status is NoticeStatus.nominated_driver
    assert made.answer_by == now + timedelta(days=7)
    assert notify_jobs(db, "nomination.received") == [
        {"cccd": driver.cccd, "event": "nomination.received", "object_id": str(made.id)}
    ]
    with pytest.raises(NominationNotFound):  # only the named citizen may answer
        answer(db, made.id, cccd=owner.cccd, accept=True, now=now)
    answer(db, made.id, cccd=driver.cccd, accept=True, now=now + timedelta(days=2))
    db.commit()
    assert made.status is NominationStatus.accepted
    assert (notice.status, notice.driver_cccd, liable_cccd(notice)) == (
        NoticeStatus.delivered,
        driver.cccd,
        driver.cccd,
    )
    assert closed_for_owner(notice)
    assert notice.due_date >= to_local(now + timedelta(days=2)).date() + timedelta(days=PAYMENT_DAYS)
    assert [j["cccd"] for j in notify_jobs(db, "nomination.answered")] == [owner.cccd]
    with pytest.raises(NominationAnswered):
        answer(db, made.id, cccd=driver.cccd, accept=False, now=now)
    # The driver answers for it now (and may acknowledge it); the owner may not name anyone else.
    ack = acknowledge(db, notice, Principal(CITIZEN, driver.cccd, acr="vneid:level2"), now=now)
    assert ack.cccd == driver.cccd
    db.rollback()
    with pytest.raises(NominationNotAllowed):
        nominate(db, notice, owner_cccd=owner.cccd, driver_cccd=owner.cccd, now=now)


def test_refused_the_notice_goes_back_to_the_owner_with_the_days_it_waited(db: Session) -> None:
    owner, driver = people(db, 203, 204)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    due, now = notice.due_date, utc_now()
    made = nominate(db, notice, owner_cccd=owner.cccd, driver_cccd=driver.cccd, now=now)
    answer(db, made.id, cccd=driver.cccd, accept=False, now=now + timedelta(days=3))
    db.commit()
    waited = (to_local(now + timedelta(days=3)).date() - to_local(made.created_at).date()).days
    assert made.status is NominationStatus.refused
    assert (notice.status, notice.driver_cccd, liable_cccd(notice)) == (
        NoticeStatus.delivered,
        None,
        owner.cccd,
    )
    assert notice.due_date == due + timedelta(days=waited) and waited >= 2
    assert not closed_for_owner(notice)
    assert [j["cccd"] for j in notify_jobs(db, "nomination.answered")] == [owner.cccd]
    # A person names a driver once; then they acknowledge or dispute it themselves.
    with pytest.raises(NominationNotAllowed):
        nominate(db, notice, owner_cccd=owner.cccd, driver_cccd=driver.cccd, now=now)


def test_no_answer_in_time_goes_back_to_the_owner(db: Session) -> None:
    owner, driver = people(db, 205, 206)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    now = utc_now()
    made = nominate(db, notice, owner_cccd=owner.cccd, driver_cccd=driver.cccd, now=now)
    db.commit()
    assert "penalties.expire_nominations" in {s.task for s in SCHEDULES.values()}
    assert expire_nominations(db, now + timedelta(days=6, hours=23)) == 0
    assert notice.status is NoticeStatus.nominated_driver
    assert expire_nominations(db, now + timedelta(days=7)) == 1
    db.commit()
    assert made.status is NominationStatus.expired
    assert (notice.status, liable_cccd(notice)) == (NoticeStatus.delivered, owner.cccd)
    assert [j["cccd"] for j in notify_jobs(db, "nomination.answered")] == [owner.cccd]
    with pytest.raises(NominationAnswered):  # too late to accept now
        answer(db, made.id, cccd=driver.cccd, accept=True, now=now + timedelta(days=8))


def test_who_may_be_named(db: Session) -> None:
    owner, stranger = people(db, 207, 208)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    with pytest.raises(NomineeUnknown):
        nominate(db, notice, owner_cccd=owner.cccd, driver_cccd="079090999999", now=utc_now())
    with pytest.raises(NominationNotAllowed):
        nominate(db, notice, owner_cccd=owner.cccd, driver_cccd=owner.cccd, now=utc_now())
    with pytest.raises(NominationNotAllowed):  # only the owner names the driver
        nominate(db, notice, owner_cccd=stranger.cccd, driver_cccd=stranger.cccd, now=utc_now())


def test_an_organisation_must_name_a_driver_and_may_name_another_after_a_refusal(db: Session) -> None:
    rep, first, second = people(db, 209, 210, 211)
    notice = db.get(Notice, delivered_notice(db, rep, organisation=True))
    assert notice is not None
    now = utc_now()
    made = nominate(db, notice, owner_cccd=rep.cccd, driver_cccd=first.cccd, now=now)
    answer(db, made.id, cccd=first.cccd, accept=False, now=now)
    again = nominate(db, notice, owner_cccd=rep.cccd, driver_cccd=second.cccd, now=now)
    answer(db, again.id, cccd=second.cccd, accept=True, now=now)
    db.commit()
    assert (notice.driver_cccd, notice.status) == (second.cccd, NoticeStatus.delivered)
