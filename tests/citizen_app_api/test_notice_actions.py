"""The notice detail's ``actions``: what the signed-in citizen may do now, as the answers' rules say
(owner or driver, organisation, state), so that the app shows only the buttons that work."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support.factories import citizen_token
from tests.support.responses import bearer, delivered_notice, people

API = "/api/citizen/v1"
NONE = {
    "acknowledge": False,
    "nominate": False,
    "dispute": False,
    "must_nominate": False,
    "acknowledged": False,
    "awaiting_driver": False,
}


def actions(client: TestClient, notice_id: object, headers: dict[str, str]) -> dict[str, Any]:
    got = client.get(f"{API}/notices/{notice_id}", headers=headers)
    assert got.status_code == 200, got.text
    return dict(got.json()["actions"])


def test_an_owner_may_acknowledge_name_or_dispute_then_acknowledged_closes_them(
    client: TestClient, db: Session
) -> None:
    (owner,) = people(db, 601)
    notice_id = delivered_notice(db, owner)
    headers = bearer(citizen_token(client, owner.cccd))
    assert actions(client, notice_id, headers) == {
        **NONE,
        "acknowledge": True,
        "nominate": True,
        "dispute": True,
    }

    assert client.post(f"{API}/notices/{notice_id}/acknowledge", headers=headers).status_code == 201
    assert actions(client, notice_id, headers) == {**NONE, "acknowledged": True}


def test_an_organisation_must_name_the_driver(client: TestClient, db: Session) -> None:
    (rep,) = people(db, 611)
    notice_id = delivered_notice(db, rep, plate="51H22222", organisation=True)
    headers = bearer(citizen_token(client, rep.cccd))
    assert actions(client, notice_id, headers) == {
        **NONE,
        "nominate": True,
        "dispute": True,
        "must_nominate": True,
    }
    # What the app hides is what the API refuses.
    refused = client.post(f"{API}/notices/{notice_id}/acknowledge", headers=headers)
    assert (refused.status_code, refused.json()["error"]) == (409, "OrganisationMustNominate")


def test_the_named_driver_who_accepts_answers_and_the_owner_no_longer_can(
    client: TestClient, db: Session
) -> None:
    owner, driver = people(db, 621, 622)
    notice_id = delivered_notice(db, owner)
    owner_h, driver_h = bearer(citizen_token(client, owner.cccd)), bearer(citizen_token(client, driver.cccd))
    named = client.post(f"{API}/notices/{notice_id}/nominate", json={"cccd": driver.cccd}, headers=owner_h)
    assert named.status_code == 201, named.text
    assert actions(client, notice_id, owner_h) == {**NONE, "awaiting_driver": True}

    pending = client.get(f"{API}/nominations", headers=driver_h).json()
    assert client.post(f"{API}/nominations/{pending[0]['id']}/accept", headers=driver_h).status_code == 200
    assert actions(client, notice_id, driver_h) == {**NONE, "acknowledge": True, "dispute": True}
    assert actions(client, notice_id, owner_h) == NONE
    again = client.post(f"{API}/notices/{notice_id}/nominate", json={"cccd": driver.cccd}, headers=owner_h)
    assert again.status_code == 409


def test_a_refused_nomination_leaves_the_owner_to_acknowledge_or_dispute(
    client: TestClient, db: Session
) -> None:
    owner, driver = people(db, 631, 632)
    notice_id = delivered_notice(db, owner)
    owner_h, driver_h = bearer(citizen_token(client, owner.cccd)), bearer(citizen_token(client, driver.cccd))
    client.post(f"{API}/notices/{notice_id}/nominate", json={"cccd": driver.cccd}, headers=owner_h)
    pending = client.get(f"{API}/nominations", headers=driver_h).json()
    assert client.post(f"{API}/nominations/{pending[0]['id']}/refuse", headers=driver_h).status_code == 200
    # A private owner names a driver once: after a refusal they answer for it themselves.
    assert actions(client, notice_id, owner_h) == {**NONE, "acknowledge": True, "dispute": True}
