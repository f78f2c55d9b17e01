"""The citizen's answers over the API: acknowledge (signed, level 2), name the driver and the driver's
answer, dispute with files; the supervisors' dispute queue and decision."""

from __future__ import annotations

import io
import uuid

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from core.config import get_settings
from core.models import Role
from tests.support.factories import citizen_token, staff_headers
from tests.support.responses import bearer, delivered_notice, people, token_with

API = "/api/citizen/v1"


def png(noise: int = 0) -> bytes:
    out = io.BytesIO()
    if noise:  # incompressible pixels: a large file
        Image.fromarray(np.random.default_rng(1).integers(0, 255, (noise, noise, 3), dtype=np.uint8)).save(
            out, "PNG"
        )
    else:
        Image.new("RGB", (64, 48), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def test_acknowledge_signed_level_2_and_verified(client: TestClient, db: Session) -> None:
    owner, other, rep = people(db, 401, 402, 403)
    notice_id = delivered_notice(db, owner)
    company_notice = delivered_notice(db, rep, plate="51H22222", organisation=True)
    path = f"{API}/notices/{notice_id}"
    low = client.post(
        f"{path}/acknowledge", headers=bearer(token_with(owner.cccd, acr="vneid:level1", sid="s1"))
    )
    assert (low.status_code, low.json()["error"]) == (403, "AssuranceTooLow")
    stranger = client.post(f"{path}/acknowledge", headers=bearer(citizen_token(client, other.cccd)))
    assert (stranger.status_code, stranger.json()["error"]) == (404, "NoticeNotFound")
    rep_token = bearer(citizen_token(client, rep.cccd))
    org = client.post(f"{API}/notices/{company_notice}/acknowledge", headers=rep_token)
    assert (org.status_code, org.json()["error"]) == (409, "OrganisationMustNominate")
    assert (
        client.get(f"{path}/acknowledgement", headers=bearer(citizen_token(client, owner.cccd))).status_code
        == 404
    )

    headers = bearer(citizen_token(client, owner.cccd))
    made = client.post(f"{path}/acknowledge", headers=headers)
    assert made.status_code == 201, made.text
    doc = made.json()["document"]
    assert doc["acr"] == "vneid:level2" and len(doc["vneid_session"]) >= 16 and doc["cccd"] == owner.cccd
    again = client.post(f"{path}/acknowledge", headers=headers)
    assert (again.status_code, again.json()["error"]) == (409, "AlreadyAcknowledged")
    check = client.get(f"{path}/acknowledgement", headers=headers).json()
    assert check["valid"] is True and check["problems"] == []
    assert check["public_key"]["kid"] == check["acknowledgement"]["key_id"]
    mine = client.get(f"{API}/notices", headers=headers).json()["items"]
    assert [n["status"] for n in mine] == ["acknowledged"]


def test_name_the_driver_who_accepts(client: TestClient, db: Session) -> None:
    owner, driver, third = people(db, 411, 412, 413)
    notice_id = delivered_notice(db, owner)
    owner_h, driver_h = bearer(citizen_token(client, owner.cccd)), bearer(citizen_token(client, driver.cccd))
    third_h = bearer(citizen_token(client, third.cccd))
    path = f"{API}/notices/{notice_id}"
    assert client.post(f"{path}/nominate", json={"cccd": "12"}, headers=owner_h).status_code == 422
    unknown = client.post(f"{path}/nominate", json={"cccd": "079090999999"}, headers=owner_h)
    assert unknown.json()["error"] == "NomineeUnknown"
    assert client.post(f"{path}/nominate", json={"cccd": driver.cccd}, headers=third_h).status_code == 404
    made = client.post(f"{path}/nominate", json={"cccd": driver.cccd}, headers=owner_h)
    assert made.status_code == 201 and made.json()["status"] == "pending"
    nomination_id = made.json()["id"]

    assert client.get(f"{API}/nominations", headers=owner_h).json() == []
    [waiting] = client.get(f"{API}/nominations", headers=driver_h).json()
    assert waiting["id"] == nomination_id and waiting["amount_vnd"] == 18_000_000
    assert waiting["plate"] == "51G-123.45" and waiting["owner_name"] == owner.full_name
    # The driver does not see the notice itself until accepting it.
    assert client.get(f"{path}/disputes", headers=driver_h).status_code == 404
    assert client.post(f"{API}/nominations/{nomination_id}/accept", headers=third_h).status_code == 404
    assert client.post(f"{API}/nominations/{uuid.uuid4()}/accept", headers=driver_h).status_code == 404
    accepted = client.post(f"{API}/nominations/{nomination_id}/accept", headers=driver_h)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["closed_for_owner"] is True and accepted.json()["status"] == "delivered"
    assert client.post(f"{API}/nominations/{nomination_id}/refuse", headers=driver_h).status_code == 409
    assert [n["id"] for n in client.get(f"{API}/notices", headers=driver_h).json()["items"]] == [
        str(notice_id)
    ]
    refused = client.post(f"{path}/acknowledge", headers=owner_h)
    assert (refused.status_code, refused.json()["error"]) == (403, "NotLiable")
    assert client.post(f"{path}/acknowledge", headers=driver_h).status_code == 201
    # The driver's signed acknowledgement (with their VNeID session) is theirs to read, not the owner's.
    assert client.get(f"{path}/acknowledgement", headers=driver_h).json()["valid"] is True
    assert client.get(f"{path}/acknowledgement", headers=owner_h).status_code == 404


def test_name_the_driver_who_refuses(client: TestClient, db: Session) -> None:
    owner, driver = people(db, 421, 422)
    notice_id = delivered_notice(db, owner)
    owner_h, driver_h = bearer(citizen_token(client, owner.cccd)), bearer(citizen_token(client, driver.cccd))
    made = client.post(
        f"{API}/notices/{notice_id}/nominate", json={"cccd": driver.cccd}, headers=owner_h
    ).json()
    refused = client.post(f"{API}/nominations/{made['id']}/refuse", headers=driver_h)
    assert refused.json()["closed_for_owner"] is False and refused.json()["driver_accepted"] is False
    assert client.get(f"{API}/notices", headers=driver_h).json()["items"] == []
    assert client.post(f"{API}/notices/{notice_id}/acknowledge", headers=owner_h).status_code == 201


def test_dispute_with_files_then_a_supervisor_cancels_it(
    client: TestClient, db: Session, monkeypatch
) -> None:
    owner, other = people(db, 431, 432)
    notice_id = delivered_notice(db, owner)
    headers = bearer(citizen_token(client, owner.cccd))
    path = f"{API}/notices/{notice_id}/disputes"
    text = {"text": "Xe đã bán cho người khác từ tháng trước / sold last month"}

    def send(*files: tuple[str, bytes], who: dict[str, str] = headers) -> dict:
        parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
        resp = client.post(path, data=text, files=parts or None, headers=who)
        return {"http": resp.status_code, **resp.json()}

    assert send(("x.png", png()), who=bearer(citizen_token(client, other.cccd)))["http"] == 404
    assert send(("x.gif", b"GIF89a" + b"\x00" * 40))["error"] == "AttachmentRejected"
    assert "damaged" in send(("x.png", png(300)[:-500]))["detail"]
    assert send(*[(f"{n}.png", png()) for n in range(4)])["detail"] == "at most 3 files"
    monkeypatch.setattr(get_settings(), "dispute_attachment_max_bytes", 2_000)
    assert "larger than" in send(("x.png", png(60)))["detail"]
    monkeypatch.undo()
    short = client.post(path, data={"text": "no"}, headers=headers)
    assert short.status_code == 422

    big = png(800)  # over the default 1 MB request limit: the dispute route takes more
    assert 1_100_000 < len(big) < 5_000_000
    made = send(("giấy bán xe.png", big), ("b.png", png()))
    assert made["http"] == 201, made
    assert [a["filename"] for a in made["attachments"]] == ["giấy bán xe.png", "b.png"]
    assert send(("x.png", png()))["error"] == "TransitionNotAllowed"  # one open dispute at a time

    reviewer, supervisor = staff_headers(Role.reviewer), staff_headers(Role.supervisor)
    assert client.get("/api/disputes", headers=reviewer).status_code == 403
    queue = client.get("/api/disputes", headers=supervisor).json()
    assert queue["total"] == 1 and queue["items"][0]["attachments"] == 2
    dispute_id = queue["items"][0]["id"]
    detail = client.get(f"/api/disputes/{dispute_id}", headers=supervisor).json()
    assert detail["text"].startswith("Xe đã bán")
    first = detail["attachments"][0]
    file = client.get(f"/api/disputes/{dispute_id}/attachments/{first['id']}", headers=supervisor)
    assert file.headers["content-type"] == "image/png" and file.headers["x-content-sha256"] == first["sha256"]
    assert (
        client.get(f"/api/disputes/{dispute_id}/attachments/{uuid.uuid4()}", headers=supervisor).status_code
        == 404
    )

    bad = client.post(
        f"/api/disputes/{dispute_id}/decide",
        json={"outcome": "amended", "reason": "giảm", "amount_vnd": 1},
        headers=supervisor,
    )
    assert (bad.status_code, bad.json()["error"]) == (422, "AmountOutsideRange")
    done = client.post(
        f"/api/disputes/{dispute_id}/decide",
        json={"outcome": "cancelled", "reason": "Xe đã bán: sai chủ"},
        headers=supervisor,
    )
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert client.get("/api/disputes", headers=supervisor).json()["total"] == 0
    [told] = client.get(path, headers=headers).json()
    assert (told["status"], told["reason"]) == ("cancelled", "Xe đã bán: sai chủ")
    assert client.get(f"{API}/notices", headers=headers).json()["items"][0]["status"] == "cancelled"


def test_dispute_upheld_over_the_api(client: TestClient, db: Session) -> None:
    (owner,) = people(db, 441)
    notice_id = delivered_notice(db, owner)
    headers = bearer(citizen_token(client, owner.cccd))
    made = client.post(
        f"{API}/notices/{notice_id}/disputes", data={"text": "Tôi không vượt đèn đỏ"}, headers=headers
    )
    assert made.status_code == 201 and made.json()["attachments"] == []
    supervisor = staff_headers(Role.supervisor)
    done = client.post(
        f"/api/disputes/{made.json()['id']}/decide",
        json={"outcome": "upheld", "reason": "Ảnh rõ ràng"},
        headers=supervisor,
    )
    assert done.json()["status"] == "upheld"
    assert client.get(f"{API}/notices", headers=headers).json()["items"][0]["status"] == "delivered"
