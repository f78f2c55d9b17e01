"""Encryption at rest (core/at_rest.py): a value opens only on its own row, unaltered, under its key."""

import pytest

from core.at_rest import SealBroken, decrypt, encrypt

KEY = "k" * 20 + "-a-test-key-0123456789"
ROW, OTHER_ROW = b"registration-1", b"registration-2"


def test_a_sealed_value_opens_on_its_row_under_its_key() -> None:
    sealed = encrypt("face embedding", b"\x01\x02secret", ROW, key=KEY)
    assert b"secret" not in sealed and sealed.startswith(b"v1")
    assert decrypt("face embedding", sealed, ROW, key=KEY) == b"\x01\x02secret"
    assert encrypt("face embedding", b"\x01\x02secret", ROW, key=KEY) != sealed  # a fresh nonce each time


@pytest.mark.parametrize(
    ("purpose", "row", "key", "change"),
    [
        ("face embedding", OTHER_ROW, KEY, None),  # copied onto another row
        ("face embedding", ROW, "another-" + KEY, None),  # another key
        ("something else", ROW, KEY, None),  # another purpose: another key
        ("face embedding", ROW, KEY, -1),  # a flipped bit in the tag
        ("face embedding", ROW, KEY, 20),  # a flipped bit in the ciphertext
    ],
)
def test_a_value_that_was_moved_altered_or_keyed_otherwise_does_not_open(
    purpose: str, row: bytes, key: str, change: int | None
) -> None:
    sealed = bytearray(encrypt("face embedding", b"\x01\x02secret", ROW, key=KEY))
    if change is not None:
        sealed[change] ^= 1
    with pytest.raises(SealBroken):
        decrypt(purpose, bytes(sealed), row, key=key)


@pytest.mark.parametrize("value", [b"", b"v1short", b"\x00" * 1024])
def test_what_was_never_sealed_is_refused(value: bytes) -> None:
    with pytest.raises(SealBroken, match="not a sealed"):
        decrypt("face embedding", value, ROW, key=KEY)
