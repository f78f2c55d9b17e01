"""The embedded IdP's signing key on a fresh data dir: threads and processes starting at once agree."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from core.auth import keys
from core.config import reset_settings


def _public(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def fresh_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TVP_DATA_DIR", str(tmp_path))
    reset_settings()
    keys.signing_key.cache_clear()
    yield tmp_path
    monkeypatch.undo()
    reset_settings()
    keys.signing_key.cache_clear()


def test_threads_racing_on_a_fresh_data_dir_get_one_key(fresh_data_dir: Path) -> None:
    seen: list[bytes] = []
    start = threading.Barrier(6)

    def sign_in() -> None:
        start.wait()
        seen.append(_public(keys.signing_key()))

    threads = [threading.Thread(target=sign_in) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1
    assert _public(keys._load(fresh_data_dir / "idp_signing_key.pem")) == seen[0]
    assert not list(fresh_data_dir.glob("*.tmp"))


def test_processes_racing_on_a_fresh_data_dir_get_one_key(fresh_data_dir: Path) -> None:
    script = (
        "from cryptography.hazmat.primitives import serialization as s\n"
        "from core.auth.keys import signing_key\n"
        "k = signing_key().public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)\n"
        "print(k.hex())\n"
    )
    env = {"TVP_DATA_DIR": str(fresh_data_dir), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    printed = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(printed) == 1
    assert bytes.fromhex(printed.pop()) == _public(keys._load(fresh_data_dir / "idp_signing_key.pem"))
