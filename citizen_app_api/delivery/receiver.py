"""An example app-backend receiver: verifies Standard Webhooks signatures and dedupes by webhook-id.

    tvp citizen-app receiver --secret whsec_… --port 8765 --store receiver.sqlite

``POST /webhook`` takes a delivery: a forged, stale (more than 5 minutes off) or unsigned one gets 401
and is not stored; a repeated ``webhook-id`` gets 200 (so the sender stops retrying) and is stored once.
``GET /messages`` lists what was received. Standalone: it uses no tvp database or settings.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from standardwebhooks import Webhook, WebhookVerificationError

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    webhook_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    copies INTEGER NOT NULL DEFAULT 1
)
"""


class ReceiverStore:
    """The receiver's own SQLite file: one row per webhook-id, with how many copies arrived."""

    def __init__(self, path: Path | str):
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.execute(SCHEMA)

    def add(self, webhook_id: str, payload: dict[str, Any]) -> bool:
        """Store the message; False when this webhook-id was already received (a duplicate)."""
        with self.lock:
            inserted = self.conn.execute(
                "INSERT INTO messages (webhook_id, type, body, received_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (webhook_id) DO NOTHING",
                (webhook_id, str(payload.get("type")), json.dumps(payload), datetime.now(UTC).isoformat()),
            ).rowcount
            if not inserted:
                self.conn.execute(
                    "UPDATE messages SET copies = copies + 1 WHERE webhook_id = ?", (webhook_id,)
                )
            return bool(inserted)

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT webhook_id, type, body, received_at, copies FROM messages ORDER BY received_at"
            ).fetchall()
        return [
            {
                "webhook_id": r[0],
                "type": r[1],
                "payload": json.loads(r[2]),
                "received_at": r[3],
                "copies": r[4],
            }
            for r in rows
        ]


def create_receiver_app(secret: str, store: Path | str) -> FastAPI:
    verifier = Webhook(secret)
    db = ReceiverStore(store)
    app = FastAPI(title="tvp citizen-app receiver (example)", docs_url=None, redoc_url=None)
    app.state.store = db

    @app.post("/webhook")
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        headers = dict(request.headers)
        try:
            payload = verifier.verify(body, headers)
        except (WebhookVerificationError, ValueError) as exc:
            return JSONResponse({"error": "InvalidSignature", "detail": str(exc)}, status_code=401)
        webhook_id = headers["webhook-id"]
        new = db.add(webhook_id, payload)
        return JSONResponse({"webhook_id": webhook_id, "duplicate": not new})

    @app.get("/messages")
    def messages() -> list[dict[str, Any]]:
        return db.messages()

    return app
