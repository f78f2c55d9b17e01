import re
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.cli import app
from core.config import SECRETS, Environment, InsecureSettings, Settings, reset_settings
from core.secrets_file import weakness
from tests.support.settings import production, strong


@pytest.mark.parametrize("env", [Environment.dev, Environment.test])
def test_outside_production_each_data_dir_generates_its_own_secrets(env: Environment, tmp_path: Path) -> None:
    first = Settings(env=env, data_dir=tmp_path / "a")
    again = Settings(env=env, data_dir=tmp_path / "a")
    other = Settings(env=env, data_dir=tmp_path / "b")
    values = [getattr(first, field) for field in SECRETS]
    assert len(set(values)) == len(SECRETS)  # one secret per purpose
    for field in SECRETS:
        assert getattr(first, field) == getattr(again, field)  # stable for the data dir
        assert getattr(first, field) != getattr(other, field)  # never a shared, published value
        assert weakness(getattr(first, field)) is None
        mode = (tmp_path / "a" / "secrets" / field).stat().st_mode
        assert stat.S_IMODE(mode) == 0o600


def test_a_secret_from_the_environment_is_used_as_given(tmp_path: Path) -> None:
    assert Settings(env=Environment.dev, data_dir=tmp_path, secret_key="given").secret_key == "given"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secret_key": ""}, "TVP_SECRET_KEY (not set)"),
        ({"idp_client_secret": ""}, "TVP_IDP_CLIENT_SECRET (not set)"),
        ({"audit_key": ""}, "TVP_AUDIT_KEY (not set)"),
        ({"biometric_key": ""}, "TVP_BIOMETRIC_KEY (not set)"),
        ({"secret_key": "short-but-not-default"}, "TVP_SECRET_KEY (shorter than 32"),
        ({"secret_key": "a" * 40}, "TVP_SECRET_KEY (too predictable"),
        ({"secret_key": "dev-insecure-secret-key-change-me-please-0123"}, "published development default"),
        ({"secret_key": "Kx9" * 4 + "K" * 30}, "too predictable"),
        ({"registry_provider": "http"}, "TVP_REGISTRY_API_KEY (not set)"),
        ({"session_cookie_secure": False}, "TVP_SESSION_COOKIE_SECURE"),
        ({"hsts_seconds": 0}, "TVP_HSTS_SECONDS"),
        ({"idp_embedded": True}, "embedded dev identity provider"),
        ({"vnpay_hash_secret": ""}, "TVP_VNPAY_HASH_SECRET (not set)"),
        ({"payment_gateway": "vnpay-sandbox"}, "vnpay-sandbox is the demo gateway"),
        ({"metrics_token": "scrape-me"}, "TVP_METRICS_TOKEN (shorter than 32"),
        ({"metrics_token": "m" * 40}, "TVP_METRICS_TOKEN (too predictable"),
    ],
)
def test_production_refuses_weak_settings(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InsecureSettings, match=re.escape(message)):
        production(**overrides)


def test_production_refuses_one_value_for_two_secrets() -> None:
    shared = strong()
    with pytest.raises(InsecureSettings, match="same value is used for two secrets"):
        production(secret_key=shared, idp_client_secret=shared)


def test_production_accepts_real_secrets(tmp_path: Path) -> None:
    s = production(data_dir=tmp_path)
    assert s.env is Environment.production and not s.docs_enabled
    assert not (tmp_path / "secrets").exists()  # production never generates one


def test_env_prefix_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TVP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TVP_DATABASE_URL", raising=False)
    s = Settings()
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'tvp.db'}"
    assert s.resolved_evidence_dir == tmp_path / "evidence"
    assert s.uses_stub_broker and s.docs_enabled


def test_cli_refuses_to_start_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVP_ENV", "production")
    reset_settings()
    try:
        result = CliRunner().invoke(app, ["db", "current"])
    finally:
        monkeypatch.setenv("TVP_ENV", "test")
        reset_settings()
    assert result.exit_code == 2
    assert "Refusing to start" in result.output
