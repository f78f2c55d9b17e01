"""The citizen app's page shells over HTTP: each page is served to anyone (the data comes from the
citizen API with the bearer token), in Vietnamese or English, with the navigation between the pages and
the text its scripts need; the decision page's Pay button and Paid box stay hidden until the payments
API answers."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from fastapi.testclient import TestClient

from web.citizen_text import TEXT

PAGES = (
    "/citizen/notices",
    "/citizen/nominations",
    "/citizen/decisions",
    "/citizen/points",
    "/citizen/exams",
)


def config(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="citizen-config">(.*?)</script>', html, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


@pytest.mark.parametrize("path", PAGES)
def test_each_page_links_to_the_others_and_marks_itself(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    for other in PAGES:
        assert f'href="{other}"' in page.text
    current = re.findall(r'<a href="([^"]+)" id="nav-[a-z]+" aria-current="page"', page.text)
    assert current == [path]
    for script in ("citizen.js", "citizen_answers.js", "citizen_decisions.js", "citizen_exams.js"):
        assert f'src="/static/{script}"' in page.text


def test_the_sign_in_page_has_no_navigation(client: TestClient) -> None:
    page = client.get("/citizen")
    assert page.status_code == 200 and 'id="nav-notices"' not in page.text


def test_the_notice_page_holds_the_answers_hidden_until_the_api_allows_them(client: TestClient) -> None:
    page = client.get(f"/citizen/notices/{uuid.uuid4()}").text
    for block in ("ack", "nominate-form", "dispute-form", "must-nominate", "ack-result"):
        assert re.search(rf'id="{block}"[^>]* hidden', page), block
    assert "Xác nhận vi phạm" in page and "Khai báo người điều khiển" in page and "Giải trình" in page


def test_the_decision_page_in_english_with_the_pay_button_hidden_until_the_api_answers(
    client: TestClient,
) -> None:
    decision_id = uuid.uuid4()
    page = client.get(f"/citizen/decisions/{decision_id}?lang=en")
    assert page.status_code == 200
    assert f'data-decision-id="{decision_id}"' in page.text
    assert re.search(r'<button type="button" id="pay-button"[^>]* hidden>Pay</button>', page.text)
    assert 'id="pay-button" class="primary" disabled' not in page.text
    assert re.search(r'<div id="paid" hidden>', page.text)
    assert TEXT["pay_note"]["en"] in page.text and TEXT["receipt_pdf"]["en"] in page.text
    text = config(page.text)["text"]
    assert isinstance(text, dict) and text["error_NomineeUnknown"] == "No citizen with this CCCD."
    assert text["error_DecisionNotPayable"] == TEXT["error_DecisionNotPayable"]["en"]
    assert text["error_GatewayUnavailable"].startswith("The payment gateway")
    assert client.get("/citizen/decisions/not-an-id").status_code == 422


def test_every_text_has_both_languages() -> None:
    assert all(set(entry) == {"vi", "en"} and all(entry.values()) for entry in TEXT.values())
