from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.cli import app
from core.models import Job, User
from penalties.cameras.models import Camera
from registry.models import Citizen, Vehicle
from registry.schemas import CitizenCreate, VehicleCreate


def test_seed_demo_is_valid_and_repeatable(db: Session) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["seed", "demo", "--citizens", "40"])
    assert result.exit_code == 0, result.output
    counts = {
        m.__name__: db.scalar(select(func.count()).select_from(m)) for m in (Citizen, Vehicle, Camera, User)
    }
    assert counts["Citizen"] == 40 and counts["Camera"] == 6 and counts["User"] == 6
    assert (counts["Vehicle"] or 0) >= 20
    # Every generated record passes the same boundary validation as API input.
    for c in db.scalars(select(Citizen)):
        CitizenCreate(
            cccd=c.cccd, full_name=c.full_name, birth_date=c.birth_date, sex=c.sex, address=c.address
        )
    for v in db.scalars(select(Vehicle)):
        VehicleCreate(
            plate=v.plate_display,
            vehicle_type=v.vehicle_type,
            colour=v.colour,
            brand=v.brand,
            owner_cccd=v.owner_cccd,
        )
    provinces = {v.plate[:2] for v in db.scalars(select(Vehicle))}
    assert len(provinces) >= 5
    again = runner.invoke(app, ["seed", "demo"])
    assert again.exit_code == 0
    assert db.scalar(select(func.count()).select_from(Citizen)) == 40  # not duplicated


def test_users_create_and_bad_role(db: Session) -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app,
        ["users", "create", "lan", "--role", "reviewer", "--name", "Lan"],
        env={"TVP_NEW_USER_PASSWORD": "a-long-password"},
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        app,
        ["users", "create", "mai", "--role", "chief", "--name", "Mai"],
        env={"TVP_NEW_USER_PASSWORD": "a-long-password"},
    )
    assert bad.exit_code == 2 and "chief" in bad.output


def test_jobs_canary_and_list(db: Session) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["jobs", "canary"]).exit_code == 0
    assert db.scalar(select(func.count()).select_from(Job)) == 1
    listing = runner.invoke(app, ["jobs", "list", "--status", "pending"])
    assert "core.canary" in listing.output


def test_db_commands(db: Session) -> None:
    runner = CliRunner()
    from core.migrate import head_revision

    assert runner.invoke(app, ["db", "current"]).output.strip() == head_revision()
    check = runner.invoke(app, ["db", "check"])
    assert check.exit_code == 0 and "agree" in check.output


def test_demo_refuses_production(monkeypatch, db: Session) -> None:
    import secrets

    from core.config import reset_settings

    production = {
        "TVP_ENV": "production",
        "TVP_SECRET_KEY": secrets.token_urlsafe(48),
        "TVP_IDP_CLIENT_SECRET": secrets.token_urlsafe(48),
        "TVP_AUDIT_KEY": secrets.token_urlsafe(48),
        "TVP_ACKNOWLEDGEMENT_KEY": secrets.token_urlsafe(48),
        "TVP_BIOMETRIC_KEY": secrets.token_urlsafe(48),
        "TVP_VNPAY_HASH_SECRET": secrets.token_urlsafe(48),
        "TVP_IDP_EMBEDDED": "false",
        "TVP_SESSION_COOKIE_SECURE": "true",
        "TVP_HSTS_SECONDS": "31536000",
    }
    for name, value in production.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    try:
        demo = CliRunner().invoke(app, ["demo", "--no-serve"])
        seed = CliRunner().invoke(app, ["seed", "demo"])
    finally:
        monkeypatch.undo()
        reset_settings()
    assert demo.exit_code == 2 and "published password" in demo.output
    assert seed.exit_code == 2
    assert db.scalar(select(func.count()).select_from(User)) == 0
