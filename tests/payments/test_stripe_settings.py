"""Stripe settings: no published default works anywhere; production takes only live, strong secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.config import Environment, InsecureSettings, Settings
from payments.gateways.stripe import StripeGateway
from tests.support.settings import production, strong


def test_outside_production_each_data_dir_gets_its_own_stripe_test_secrets(tmp_path: Path) -> None:
    first = Settings(env=Environment.dev, data_dir=tmp_path / "a")
    again = Settings(env=Environment.dev, data_dir=tmp_path / "a")
    other = Settings(env=Environment.test, data_dir=tmp_path / "b")
    assert first.stripe_secret_key.startswith("sk_test_") and first.stripe_webhook_secret.startswith("whsec_")
    assert (first.stripe_secret_key, first.stripe_webhook_secret) == (
        again.stripe_secret_key,
        again.stripe_webhook_secret,
    )
    assert first.stripe_secret_key != other.stripe_secret_key
    assert first.stripe_webhook_secret != other.stripe_webhook_secret
    assert first.stripe_api_base == "https://api.stripe.com"
    gateway = StripeGateway.from_settings(first)
    assert str(gateway.client.base_url) == "https://api.stripe.com"
    assert gateway.webhook_secret == first.stripe_webhook_secret


def test_production_without_stripe_is_fine(tmp_path: Path) -> None:
    s = production(data_dir=tmp_path)
    assert s.stripe_secret_key == "" and s.stripe_webhook_secret == ""
    with pytest.raises(ValueError, match="TVP_STRIPE_SECRET_KEY"):
        StripeGateway.from_settings(s)


def test_production_accepts_live_stripe_secrets(tmp_path: Path) -> None:
    s = production(stripe_secret_key="sk_live_" + strong(), stripe_webhook_secret="whsec_" + strong())
    assert StripeGateway.from_settings(s).webhook_secret == s.stripe_webhook_secret


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stripe_secret_key": "sk_live_" + strong()}, "TVP_STRIPE_WEBHOOK_SECRET (not set)"),
        ({"stripe_webhook_secret": "whsec_" + strong()}, "TVP_STRIPE_SECRET_KEY (not set)"),
        (
            {"stripe_secret_key": "sk_test_" + strong(), "stripe_webhook_secret": "whsec_" + strong()},
            "must be a live key",
        ),
        ({"stripe_secret_key": "sk_live_x", "stripe_webhook_secret": "whsec_" + strong()}, "shorter than 32"),
        (
            {"stripe_secret_key": "sk_live_" + strong(), "stripe_webhook_secret": "whsec_" + "a" * 40},
            "TVP_STRIPE_WEBHOOK_SECRET (too predictable",
        ),
    ],
)
def test_production_refuses_weak_stripe_settings(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InsecureSettings, match=re.escape(message)):
        production(**overrides)


def test_production_refuses_one_value_for_both_stripe_secrets() -> None:
    shared = "sk_live_" + strong()
    with pytest.raises(InsecureSettings, match="same value is used for two secrets"):
        production(stripe_secret_key=shared, stripe_webhook_secret=shared)
