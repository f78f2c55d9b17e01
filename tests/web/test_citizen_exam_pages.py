"""The candidate's exam pages over HTTP: shells served to anyone (the data comes from the citizen API
with the bearer token; who sees what is proven in tests/web/test_browser_citizen_exams.py and
tests/exams/test_online_checkin.py), with the card inputs, the desk's camera markup and script, the
re-verification interval from the settings and both languages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.config import reset_settings
from tests.web.test_citizen_pages import config
from web.citizen_exams_text import CANDIDATE_TEXT
from web.citizen_text import TEXT
from web.exams_text import EXAM_TEXT


def test_the_check_in_page_holds_the_card_inputs_and_the_three_camera_prompts(client: TestClient) -> None:
    reg_id = uuid.uuid4()
    page = client.get(f"/citizen/exams/{reg_id}")
    assert page.status_code == 200
    assert f'data-reg-id="{reg_id}"' in page.text
    assert re.search(r'<article id="exam"[^>]* hidden>', page.text)  # until the API says it is mine
    for field in ("dg1", "sod", "dg2", "dg13", "qr_text", "mrz_text", "mrz_photo", "frames"):
        assert f'id="{field}"' in page.text, field
    prompts = re.search(r'data-prompts="([^"]+)"', page.text)
    assert prompts is not None
    assert prompts.group(1).split("|") == [
        EXAM_TEXT[k]["vi"] for k in ("prompt_front", "prompt_left", "prompt_right")
    ]
    assert EXAM_TEXT["camera_unavailable"]["vi"] in page.text  # the file fallback's message
    assert 'src="/static/exam_camera.js"' in page.text
    assert re.search(r'<a href="/citizen/exams" id="nav-exams" aria-current="page"', page.text)


def test_the_pages_in_english(client: TestClient) -> None:
    page = client.get(f"/citizen/exams/{uuid.uuid4()}?lang=en").text
    assert "Look at the camera" in page and "Turn left" in page and "Submit the check" in page
    text = config(page)["text"]
    assert isinstance(text, dict)
    assert text["error_CheckinInputError"] == CANDIDATE_TEXT["error_CheckinInputError"]["en"]
    assert client.get("/citizen/exams?lang=en").text.count("My exams") >= 1


def test_the_exam_page_carries_the_re_verification_interval(client: TestClient) -> None:
    page = client.get(f"/citizen/exams/{uuid.uuid4()}/live")
    assert page.status_code == 200 and 'id="reverify-status"' in page.text
    assert config(page.text)["reverifyEverySeconds"] == 60


@pytest.fixture
def every_5s(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TVP_EXAM_REVERIFY_EVERY_S", "5")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def test_the_interval_is_configurable(client: TestClient, every_5s: None) -> None:
    page = client.get(f"/citizen/exams/{uuid.uuid4()}/live")
    assert config(page.text)["reverifyEverySeconds"] == 5


@pytest.mark.parametrize("path", ("/citizen/exams/not-an-id", "/citizen/exams/not-an-id/live"))
def test_a_malformed_registration_id_is_refused(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 422


def test_the_candidate_text_has_both_languages_and_reaches_the_pages() -> None:
    assert all(set(e) == {"vi", "en"} and all(e.values()) for e in CANDIDATE_TEXT.values())
    assert set(CANDIDATE_TEXT) <= set(TEXT)
