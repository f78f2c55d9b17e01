"""A lean HTTP/1.1 load driver: asyncio streams, one keep-alive connection per client, nothing else.

bench/load.py runs its driver on the same 2-core machine as the server, so every millisecond of CPU the
driver spends per request is taken from the server. httpx's AsyncClient costs about a millisecond per
request; this client writes the request line and headers and reads the answer's status, headers and
body by Content-Length (or chunks), a few tens of microseconds. It speaks only what the bench needs:
GET, keep-alive, a reconnect when the server closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


class DriverError(RuntimeError):
    """The server's answer could not be read as HTTP/1.1."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class RawClient:
    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None):
        self.host, self.port = host, port
        fixed = {"Host": f"{host}:{port}", "Accept": "application/json", **(headers or {})}
        self._headers = "".join(f"{k}: {v}\r\n" for k, v in fixed.items()).encode("latin-1")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> Answer:
        """One GET; a connection the server closed between requests is opened again once."""
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(path)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, path: str) -> Answer:
        assert self._reader is not None and self._writer is not None
        self._writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self._headers + b"\r\n")
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise DriverError(f"not an HTTP/1.1 status line: {lines[0][:80]!r}")
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            body = await self._reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunks()
        else:
            raise DriverError("an answer with neither Content-Length nor chunks")
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Answer(int(parts[1]), body)

    async def _chunks(self) -> bytes:
        assert self._reader is not None
        body = bytearray()
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return bytes(body)
            body += await self._reader.readexactly(size)
            await self._reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
