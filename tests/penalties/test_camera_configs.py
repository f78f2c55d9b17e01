"""Camera configuration versions: stored in the database, the camera's row derived from the newest,
registered from the CLI, the API, a run's YAML file and the demo seed; `process --camera CODE`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.cli import app as cli
from core.config import reset_settings
from core.db import make_engine
from core.migrate import downgrade, upgrade
from core.models import AuditEntry, Role
from detection.footage import camera_config
from penalties.cameras.config import text_sha256
from penalties.cameras.exceptions import (
    CameraConfigInvalid,
    CameraConfigOutdated,
    CameraConfigVersionTaken,
)
from penalties.cameras.models import Camera, CameraConfigVersion
from penalties.cameras.service import register_config, stored_camera
from penalties.runs.models import ProcessingRun
from tests.support.db import fresh_database
from tests.support.factories import staff_headers

CODE = "TST-CFG-001"


def config_text(version: int = 1, code: str = CODE, **location: Any) -> str:
    data = camera_config(code)
    data["camera"]["version"] = version
    data["camera"]["location"].update(location)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def versions(db: Session, code: str = CODE) -> list[tuple[int, str]]:
    rows = db.execute(
        select(CameraConfigVersion.version, CameraConfigVersion.sha256)
        .join(Camera, Camera.id == CameraConfigVersion.camera_id)
        .where(Camera.code == code)
        .order_by(CameraConfigVersion.version)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def tvp(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_new_version_updates_the_camera_row(db: Session) -> None:
    first = config_text(1, latitude=10.7769, longitude=106.7009, speed_limit_kmh=50)
    camera, v1 = register_config(db, first, actor="ops-1")
    assert (camera.code, camera.latitude, camera.longitude, camera.speed_limit_kmh) == (
        CODE,
        10.7769,
        106.7009,
        50,
    )
    assert (v1.version, v1.sha256, v1.text, v1.created_by) == (1, text_sha256(first), first, "ops-1")

    moved = config_text(2, latitude=21.0245, longitude=105.8553, speed_limit_kmh=40, name="Tràng Tiền")
    again, _ = register_config(db, moved, actor="ops-2")
    assert again.id == camera.id
    db.expire_all()
    row = db.scalars(select(Camera).where(Camera.code == CODE)).one()
    assert (row.latitude, row.longitude, row.speed_limit_kmh, row.name) == (
        21.0245,
        105.8553,
        40,
        "Tràng Tiền",
    )
    assert versions(db) == [(1, text_sha256(first)), (2, text_sha256(moved))]
    assert stored_camera(db, CODE).config.camera.version == 2
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(camera.id))).all()
    assert sorted(actions) == ["camera.config.register", "camera.config.register", "camera.create"]


def test_the_same_text_again_changes_nothing(db: Session) -> None:
    text = config_text(1)
    _, first = register_config(db, text, actor="ops")
    _, second = register_config(db, text, actor="someone else")
    assert second.id == first.id and second.created_by == "ops"
    assert versions(db) == [(1, text_sha256(text))]


def test_a_different_text_under_a_stored_version_is_refused(db: Session) -> None:
    register_config(db, config_text(1, latitude=10.7769), actor="ops")
    with pytest.raises(CameraConfigVersionTaken, match=r"bump camera\.version"):
        register_config(db, config_text(1, latitude=10.8), actor="ops")
    assert len(versions(db)) == 1
    assert db.scalars(select(Camera.latitude).where(Camera.code == CODE)).one() == 10.7769


def test_a_version_below_the_newest_is_refused(db: Session) -> None:
    register_config(db, config_text(3), actor="ops")
    with pytest.raises(CameraConfigOutdated, match="version 3"):
        register_config(db, config_text(2, latitude=11.0), actor="ops")
    assert [v for v, _ in versions(db)] == [3]


def test_an_invalid_text_names_the_field_and_line(db: Session) -> None:
    bad = config_text(1).replace("speed_limit_kmh: 50", "speed_limit_kmh: fast")
    with pytest.raises(CameraConfigInvalid) as info:
        register_config(db, bad, actor="ops", source="upload")
    assert "camera.location.speed_limit_kmh" in str(info.value) and "line " in str(info.value)
    assert versions(db) == []


def test_api_uploads_a_config_for_ops_and_admin_only(client: TestClient, db: Session) -> None:
    ops, reviewer = staff_headers(Role.ops), staff_headers(Role.reviewer)
    text = config_text(1)
    refused = client.post("/api/cameras/configs", content=text, headers=reviewer)
    assert refused.status_code == 403

    made = client.post(
        "/api/cameras/configs", content=text, headers={**ops, "Content-Type": "application/yaml"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["camera"] == CODE and made.json()["version"] == 1
    assert made.json()["sha256"] == text_sha256(text)

    moved = config_text(3, latitude=16.0613, longitude=108.227)
    assert client.post("/api/cameras/configs", content=moved, headers=ops).status_code == 201
    conflict = client.post("/api/cameras/configs", content=config_text(3, latitude=12.0), headers=ops)
    assert conflict.status_code == 409 and conflict.json()["error"] == "CameraConfigVersionTaken"
    older = client.post("/api/cameras/configs", content=config_text(2, latitude=12.0), headers=ops)
    assert older.status_code == 409 and older.json()["error"] == "CameraConfigOutdated"
    invalid = client.post("/api/cameras/configs", content="camera: {id: x}", headers=ops)
    assert invalid.status_code == 422 and invalid.json()["error"] == "CameraConfigInvalid"

    listed = client.get(f"/api/cameras/{CODE}/configs", headers=reviewer)
    assert listed.status_code == 200
    assert [(v["version"], v["sha256"]) for v in listed.json()] == [
        (3, text_sha256(moved)),
        (1, text_sha256(text)),
    ]
    yaml_text = client.get(f"/api/cameras/{CODE}/configs/3", headers=reviewer)
    assert yaml_text.status_code == 200 and yaml_text.text == moved
    assert client.get(f"/api/cameras/{CODE}/configs/9", headers=reviewer).status_code == 404
    cameras = client.get("/api/cameras", headers=reviewer).json()
    assert [(c["latitude"], c["longitude"]) for c in cameras if c["code"] == CODE] == [(16.0613, 108.227)]


def test_api_camera_body_keeps_the_configuration_rules(client: TestClient) -> None:
    ops = staff_headers(Role.ops)
    body = {
        "code": "HCM-Q1-009",
        "name": "Ngã tư",
        "road": "Lê Lợi",
        "province_code": "51",
        "latitude": 10.77,
        "longitude": 106.70,
        "speed_limit_kmh": 50,
    }
    assert client.post("/api/cameras", json=body, headers=ops).status_code == 201
    for field, value in (
        ("latitude", 48.85),
        ("province_code", "5"),
        ("speed_limit_kmh", 200),
        ("code", "x"),
    ):
        bad = client.post("/api/cameras", json={**body, "code": "HCM-Q1-010", field: value}, headers=ops)
        assert bad.status_code == 422, (field, bad.text)


def test_cli_add_and_list(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "camera.yaml"
    path.write_text(config_text(1), encoding="utf-8")
    added = tvp("cameras", "add", path)
    assert added.exit_code == 0, added.output
    assert f"{CODE} version 1" in added.output
    assert tvp("cameras", "add", path).exit_code == 0  # the same text: nothing new
    path.write_text(config_text(1, latitude=11.0), encoding="utf-8")
    refused = tvp("cameras", "add", path)
    assert refused.exit_code == 2 and "bump camera.version" in refused.output
    listed = tvp("cameras", "list")
    assert listed.exit_code == 0 and CODE in listed.output
    assert text_sha256(config_text(1))[:12] in listed.output
    db.rollback()
    assert [v for v, _ in versions(db)] == [1]


@pytest.mark.clockless
def test_process_by_code_runs_the_newest_stored_version(
    db: Session, generated_footage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVP_EVIDENCE_DIR", str(tmp_path / "evidence"))
    reset_settings()
    footage, original = generated_footage.video, generated_footage.camera
    first = tvp("process", footage, "--camera", original, "--to", "f30", "--restart")
    assert first.exit_code == 0, first.output
    db.rollback()
    code = db.scalars(select(Camera.code)).one()
    assert [v for v, _ in versions(db, code)] == [1]  # the YAML path was registered

    newer = yaml.safe_load(original.read_text())
    newer["camera"]["version"] = 2
    newer["camera"]["location"]["latitude"] = 10.9
    newer_text = yaml.safe_dump(newer, sort_keys=False, allow_unicode=True)
    register_config(db, newer_text, actor="ops")
    db.commit()

    by_code = tvp("process", footage, "--camera", code, "--to", "f30", "--restart")
    assert by_code.exit_code == 0, by_code.output
    db.rollback()
    run = db.scalars(select(ProcessingRun).order_by(ProcessingRun.created_at.desc()).limit(1)).one()
    assert (run.camera_code, run.camera_version, run.config_sha256) == (code, 2, text_sha256(newer_text))
    assert db.scalars(select(Camera.latitude).where(Camera.code == code)).one() == 10.9

    unknown = tvp("process", footage, "--camera", "NO-SUCH-CAM")
    assert unknown.exit_code == 2 and "no camera NO-SUCH-CAM" in unknown.output
    reset_settings()


def test_demo_cameras_are_registered_versions(db: Session) -> None:
    import random

    from penalties.cameras.seed import CAMERAS, seed_demo

    assert seed_demo(db, random.Random(1)) == {"cameras": len(CAMERAS)}
    assert seed_demo(db, random.Random(1)) == {"cameras": 0}
    assert db.scalar(select(func.count()).select_from(CameraConfigVersion)) == len(CAMERAS)
    code, name, _road, _prov, lat, lon, _limit = CAMERAS[3]
    loaded = stored_camera(db, code)
    assert (loaded.config.camera.location.name, loaded.config.camera.location.latitude) == (name, lat)
    row = db.scalars(select(Camera).where(Camera.code == code)).one()
    assert (row.latitude, row.longitude) == (lat, lon)


def test_0010_creates_and_drops_camera_configs() -> None:
    with fresh_database("mig10") as url:
        engine = make_engine(url)
        try:
            upgrade("0010", engine=engine)
            assert "camera_configs" in inspect(engine).get_table_names()
            uniques = {u["name"] for u in inspect(engine).get_unique_constraints("camera_configs")}
            assert "uq_camera_configs_camera_id_version" in uniques
            with engine.begin() as conn:
                cam = sa.table("cameras", *(sa.column(n) for n in ("id", "code", "name", "road")))
                assert conn.execute(sa.select(sa.func.count()).select_from(cam)).scalar() == 0
            downgrade("0009", engine=engine)
            assert "camera_configs" not in inspect(engine).get_table_names()
            assert "cameras" in inspect(engine).get_table_names()
        finally:
            engine.dispose()
