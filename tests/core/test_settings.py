from typing import Any

import pytest
from typer.testing import CliRunner

from core.cli import app
from core.config import DEV_SECRET_KEY, Environment, InsecureSettings, Settings, reset_settings

STRONG = "x" * 40


@pytest.mark.parametrize("env", [Environment.dev, Environment.test])
def test_dev_and_test_accept_defaults(env: Environment) -> None:
    assert Settings(env=env).secret_key == DEV_SECRET_KEY


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "TVP_SECRET_KEY, TVP_IDP_CLIENT_SECRET"),
        ({"secret_key": STRONG}, "TVP_IDP_CLIENT_SECRET"),
        ({"idp_client_secret": STRONG}, "TVP_SECRET_KEY"),
        ({"secret_key": "short-but-not-default", "idp_client_secret": STRONG}, "TVP_SECRET_KEY"),
        ({"secret_key": STRONG, "idp_client_secret": STRONG}, "embedded dev identity provider"),
        (
            {"secret_key": STRONG, "idp_client_secret": STRONG, "registry_provider": "http"},
            "TVP_REGISTRY_API_KEY",
        ),
    ],
)
def test_production_refuses_default_secrets(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InsecureSettings, match=message):
        Settings(env=Environment.production, **overrides)


def test_production_accepts_real_secrets() -> None:
    s = Settings(env="production", secret_key=STRONG, idp_client_secret=STRONG + "y", idp_embedded=False)
    assert s.env is Environment.production


def test_env_prefix_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("TVP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TVP_DATABASE_URL", raising=False)
    s = Settings()
    assert s.resolved_database_url == f"sqlite:///{tmp_path / 'tvp.db'}"
    assert s.resolved_evidence_dir == tmp_path / "evidence"
    assert s.uses_stub_broker


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
