"""The light's state from a signal-controller log or HTTP feed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

import pytest

from detection.rules.base import Light
from detection.signal_feed import SignalFeed, SignalFeedError, parse_changes

T0 = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
LOG = [
    {"at": "2026-11-20T08:30:00+07:00", "state": "green"},
    {"at": "2026-11-20T01:30:10Z", "state": "amber"},
    {"at": "2026-11-20T01:30:13+00:00", "state": "red"},
]


def test_json_file_and_json_lines(tmp_path: Path) -> None:
    as_json = tmp_path / "log.json"
    as_json.write_text(json.dumps(LOG))
    as_lines = tmp_path / "log.jsonl"
    as_lines.write_text("\n".join(json.dumps(x) for x in LOG) + "\n")
    for url in (str(as_json), f"file://{as_lines}"):
        feed = SignalFeed(url)
        assert feed.timeline.state_at(T0 + timedelta(seconds=5)) == (Light.green, T0)
        assert feed.timeline.state_at(T0 + timedelta(seconds=14)) == (Light.red, T0 + timedelta(seconds=13))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[{]", "not JSON"),
        ('[{"at": "2026-11-20T01:30:00", "state": "red"}]', "must carry a time zone"),
        ('[{"at": "2026-11-20T01:30:00Z", "state": "blue"}]', "change 0: needs 'at'"),
        ('[{"state": "red"}]', "change 0: needs 'at'"),
    ],
)
def test_bad_logs_are_named(text: str, message: str) -> None:
    with pytest.raises(SignalFeedError, match=message):
        parse_changes(text, "controller.json")


def test_missing_log_file(tmp_path: Path) -> None:
    with pytest.raises(SignalFeedError, match="does not exist"):
        SignalFeed(str(tmp_path / "nope.json"))


@pytest.fixture
def controller() -> Iterator[tuple[str, dict[str, object]]]:
    state: dict[str, object] = {"log": LOG[:1], "fail": False, "delay_s": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(cast(float, state["delay_s"]))
            if state["fail"]:
                self.send_error(503)
                return
            body = json.dumps(state["log"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/signal", state
    server.shutdown()


def test_http_feed_refreshes_and_survives_an_outage(controller: tuple[str, dict[str, object]]) -> None:
    url, state = controller
    feed = SignalFeed(url, refresh_s=1.0)
    feed.update(T0)
    feed.wait()  # the fetch runs in the background: recorded footage waits for its answer
    assert feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.green
    state["log"] = LOG
    feed.update(T0 + timedelta(seconds=0.5))  # too soon: not fetched again
    feed.wait()
    assert feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.green
    feed.update(T0 + timedelta(seconds=2))
    feed.wait()
    assert feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.red
    state["fail"] = True
    feed.update(T0 + timedelta(seconds=4))  # controller down: the known states stay
    feed.wait()
    assert feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.red
    assert len(feed.timeline.changes) == 3


def test_a_slow_controller_does_not_hold_up_the_loop(controller: tuple[str, dict[str, object]]) -> None:
    """The frame loop asks for a refresh and goes on; the answer is used from the frame it arrives on."""
    url, state = controller
    state["log"], state["delay_s"] = LOG, 1.0
    feed = SignalFeed(url, refresh_s=1.0, timeout_s=5.0)
    began = time.perf_counter()
    feed.update(T0)
    feed.update(T0 + timedelta(seconds=0.04))  # the next frame: the fetch is still in flight
    assert time.perf_counter() - began < 0.5
    assert feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.unknown  # not yet answered
    deadline = time.perf_counter() + 10
    while feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.unknown:
        assert time.perf_counter() < deadline, "the answer never came"
        time.sleep(0.05)
        feed.update(T0 + timedelta(seconds=0.08))  # later frames fold the answer in
    assert feed.timeline.state_at(T0 + timedelta(seconds=20))[0] is Light.red
