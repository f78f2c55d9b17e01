"""Migrations up and down on a fresh database (SQLite, or a new PostgreSQL schema), and no drift."""

import hashlib
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.orm import Session

from core import audit
from core.db import Base, make_engine
from core.migrate import (
    MIGRATIONS,
    SchemaNotCurrent,
    current_revision,
    downgrade,
    drift,
    head_revision,
    require_head,
    upgrade,
)
from core.models import AuditEntry, AuditHead
from tests.support.anchors import plain_sha256
from tests.support.db import fresh_database
from tests.support.factories import make_candidate

NEWEST = max(p.name.split("_")[0] for p in (MIGRATIONS / "versions").glob("0*.py"))


def test_upgrade_downgrade_upgrade_without_drift() -> None:
    with fresh_database("mig") as url:
        engine = make_engine(url)
        try:
            upgrade("head", engine=engine)
            assert current_revision(engine) == head_revision() == NEWEST
            tables = set(inspect(engine).get_table_names())
            assert set(Base.metadata.tables) <= tables
            assert drift(engine) == [], "models and migrations differ: write a migration"

            downgrade("base", engine=engine)
            assert current_revision(engine) is None
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

            upgrade("head", engine=engine)
            assert drift(engine) == []
        finally:
            engine.dispose()


def test_migrated_schema_has_named_constraints(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        insp = inspect(engine)
        assert insp.get_pk_constraint("notices")["name"] == "pk_notices"
        uniques = {u["name"] for u in insp.get_unique_constraints("notices")}
        assert "uq_notices_number" in uniques
        fks = {f["name"] for f in insp.get_foreign_keys("payments")}
        assert "fk_payments_decision_id_decisions" in fks
    finally:
        engine.dispose()


def test_0005_keeps_the_note_of_items_escalated_before_it() -> None:
    with fresh_database("mig5") as url:
        engine = make_engine(url)
        try:
            upgrade("0004", engine=engine)
            camera, candidate = uuid.uuid4(), uuid.uuid4()
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO cameras (id, code, name, road, province_code, latitude, longitude, "
                        "speed_limit_kmh, active, created_at, updated_at) VALUES (:id, 'C-1', 'n', 'r', "
                        "'51', 10.7, 106.7, 50, true, '2026-11-01 00:00:00+00', '2026-11-01 00:00:00+00')"
                    ),
                    {"id": camera.hex if engine.dialect.name == "sqlite" else camera},
                )
                conn.execute(
                    text(
                        "INSERT INTO violation_candidates (id, camera_id, detected_at, violation_code, "
                        "measured, provenance, dedup_key, status, review_note, flags, created_at, "
                        "updated_at) "
                        "VALUES (:id, :camera, '2026-11-01 00:00:00+00', 'RED_LIGHT', '{}', '{}', 'k', "
                        "'escalated', 'is this an ambulance?', '[]', '2026-11-01 00:00:00+00', "
                        "'2026-11-01 00:00:00+00')"
                    ),
                    {
                        "id": candidate.hex if engine.dialect.name == "sqlite" else candidate,
                        "camera": camera.hex if engine.dialect.name == "sqlite" else camera,
                    },
                )
            upgrade("0005", engine=engine)
            with engine.connect() as conn:
                note = conn.execute(text("SELECT escalation_note FROM violation_candidates")).scalar()
            assert note == "is this an ambulance?"
        finally:
            engine.dispose()


def _old_style_chains(engine: Engine) -> dict[str, list[str]]:
    """Audit entries and one camera's evidence links written as tvp did before 0006 (plain SHA-256);
    their hashes."""
    from penalties.cameras.models import Camera
    from penalties.candidates.models import EvidenceLink

    with Session(engine) as session:
        prev = audit.GENESIS
        for seq in range(1, 5):
            entry = AuditEntry(
                seq=seq,
                at=datetime(2026, 11, 20, 8, 30, seq, 123456, tzinfo=UTC),
                actor="staff:reviewer",
                action="candidate.confirm",
                object_type="violation_candidate",
                object_id=str(uuid.uuid4()),
                detail={"tên": "Nguyễn", "speed": 71.5, "n": seq},
                prev_hash=prev,
            )
            entry.hash = plain_sha256(entry)
            session.add(entry)
            prev = entry.hash
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=4, last_hash=prev))
        prev = audit.GENESIS
        for seq in range(1, 4):
            candidate = make_candidate(session)
            manifest = hashlib.sha256(f"manifest {seq}".encode()).hexdigest()
            h = hashlib.sha256(f"{prev}:{seq}:{manifest}:{candidate.id}".encode()).hexdigest()
            camera = session.scalars(select(Camera)).one()
            session.add(
                EvidenceLink(
                    camera_id=camera.id,
                    seq=seq,
                    candidate_id=candidate.id,
                    manifest_sha256=manifest,
                    prev_hash=prev,
                    link_hash=h,
                )
            )
            prev = h
        session.commit()
    return _hashes(engine)


def _hashes(engine: Engine) -> dict[str, list[str]]:
    queries = {
        "audit": "SELECT hash FROM audit_log ORDER BY seq",
        "head": "SELECT last_hash FROM audit_head",
        "evidence": "SELECT link_hash FROM evidence_links ORDER BY seq",
    }
    with engine.connect() as conn:
        return {name: list(conn.execute(text(sql)).scalars()) for name, sql in queries.items()}


def _verify(engine: Engine) -> list[str]:
    from penalties.cameras.models import Camera
    from penalties.candidates.chains import verify_chain

    with Session(engine) as session:
        problems = audit.verify_chain(session).problems
        return problems + verify_chain(session, session.scalars(select(Camera)).one())


def test_0006_reseals_unkeyed_chains_under_the_key() -> None:
    with fresh_database("mig6") as url:
        engine = make_engine(url)
        try:
            upgrade("0005", engine=engine)
            old = _old_style_chains(engine)
            assert len(_verify(engine)) > 0  # today's code does not accept unkeyed hashes

            upgrade("0006", engine=engine)
            assert _verify(engine) == []
            keyed = _hashes(engine)
            assert set(keyed["audit"]).isdisjoint(old["audit"])
            assert set(keyed["evidence"]).isdisjoint(old["evidence"])
            assert keyed["head"] == [keyed["audit"][-1]]

            downgrade("0005", engine=engine)  # back to what the old code verifies
            assert _hashes(engine) == old
        finally:
            engine.dispose()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("UPDATE audit_log SET actor = 'staff:someone-else' WHERE seq = 2", "audit entry 2 does not match"),
        ("DELETE FROM audit_log WHERE seq = 4", "tail truncated"),
        ("UPDATE evidence_links SET manifest_sha256 = 'ff' WHERE seq = 3", "chain entry 3 was altered"),
    ],
)
def test_0006_refuses_a_chain_that_is_already_broken(tamper: str, message: str) -> None:
    with fresh_database("mig6b") as url:
        engine = make_engine(url)
        try:
            upgrade("0005", engine=engine)
            _old_style_chains(engine)
            with engine.begin() as conn:
                conn.execute(text(tamper))
            before = _hashes(engine)
            with pytest.raises(audit.ChainBrokenError, match=message) as caught:
                upgrade("head", engine=engine)
            assert "already broken before this migration; nothing was changed" in str(caught.value)
            assert current_revision(engine) == "0005"
            assert _hashes(engine) == before
        finally:
            engine.dispose()


def test_0008_sets_each_camera_head_to_its_newest_link() -> None:
    from penalties.cameras.models import Camera
    from penalties.candidates.chains import verify_head

    with fresh_database("mig8") as url:
        engine = make_engine(url)
        try:
            upgrade("0005", engine=engine)
            _old_style_chains(engine)
            upgrade("0007", engine=engine)
            upgrade("0008", engine=engine)
            with engine.connect() as conn:
                heads = conn.execute(text("SELECT seq, link_hash FROM evidence_heads")).all()
            assert [tuple(h) for h in heads] == [(3, _hashes(engine)["evidence"][-1])]
            with Session(engine) as session:
                assert verify_head(session, session.scalars(select(Camera)).one()) == []
            downgrade("0007", engine=engine)
            assert "evidence_heads" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()


def test_db_upgrade_explains_a_refused_migration(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from core.cli import app
    from core.config import reset_settings
    from core.db import reset_engine

    with fresh_database("mig6c") as url:
        engine = make_engine(url)
        try:
            upgrade("0005", engine=engine)
            _old_style_chains(engine)
            with engine.begin() as conn:
                conn.execute(text("UPDATE audit_log SET detail = '{}' WHERE seq = 3"))
            monkeypatch.setenv("TVP_DATABASE_URL", url)
            reset_settings()
            reset_engine()
            result = CliRunner().invoke(app, ["db", "upgrade"])
            assert result.exit_code == 1
            assert "Migration refused" in result.output and "audit entry 3 does not match" in result.output
            assert current_revision(engine) == "0005"
        finally:
            reset_engine()
            monkeypatch.setenv("TVP_DATABASE_URL", database_url)
            reset_settings()
            reset_engine()
            engine.dispose()


def test_require_head_says_what_to_run() -> None:
    with fresh_database("head") as url:
        engine = make_engine(url)
        try:
            with pytest.raises(SchemaNotCurrent, match=r"empty database\), this tvp needs .*tvp db upgrade"):
                require_head(engine)
            upgrade("0002", engine=engine)
            with pytest.raises(SchemaNotCurrent, match=f"is at 0002, this tvp needs {head_revision()}"):
                require_head(engine)
            upgrade("head", engine=engine)
            assert require_head(engine) == head_revision()
            with engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
            with pytest.raises(SchemaNotCurrent, match="at 9999, which this tvp does not know"):
                require_head(engine)
        finally:
            engine.dispose()


def test_0007_stores_the_detectors_motorcycle_as_motorbike() -> None:
    """Candidates and run events from before the one vocabulary are renamed (and back on downgrade)."""
    from sqlalchemy.orm import Session

    from penalties.candidates.models import ViolationCandidate
    from tests.support.factories import make_candidate

    lane = {"lane": "lane-1", "vehicle_class": "motorcycle", "allowed": ["car", "bus", "truck"]}
    with fresh_database("vocab") as url:
        engine = make_engine(url)
        try:
            upgrade("0006", engine=engine)
            with Session(engine) as session:
                bike = make_candidate(session, vehicle_class="motorcycle", code="WRONG_LANE")
                bike.measured = lane
                car = make_candidate(session, vehicle_class="car")
                session.commit()
                run_id = _insert_run(
                    engine,
                    [
                        {"code": "WRONG_LANE", "vehicle_class": "motorcycle", "measured": lane},
                        {"code": "RED_LIGHT", "vehicle_class": "car", "measured": {"time_into_red_s": 1.2}},
                    ],
                )
                ids = bike.id, car.id, run_id

            def stored() -> tuple[object, ...]:
                with Session(engine) as session:
                    b = session.get_one(ViolationCandidate, ids[0])
                    c = session.get_one(ViolationCandidate, ids[1])
                    return b.vehicle_class, b.measured, c.vehicle_class, _stored_events(engine, ids[2])

            upgrade("head", engine=engine)
            bike_class, measured, car_class, events = stored()
            assert (bike_class, car_class) == ("motorbike", "car")
            assert measured == {**lane, "vehicle_class": "motorbike"}
            assert events == [
                {"code": "WRONG_LANE", "vehicle_class": "motorbike", "measured": measured},
                {"code": "RED_LIGHT", "vehicle_class": "car", "measured": {"time_into_red_s": 1.2}},
            ]

            downgrade("0006", engine=engine)
            bike_class, measured, car_class, events = stored()
            assert (bike_class, car_class, measured) == ("motorcycle", "car", lane)
            assert events == [
                {"code": "WRONG_LANE", "vehicle_class": "motorcycle", "measured": lane},
                {"code": "RED_LIGHT", "vehicle_class": "car", "measured": {"time_into_red_s": 1.2}},
            ]
        finally:
            engine.dispose()


# The run table as it was before 0009 (events a JSON list) and after (events in run_events): written and
# read without the ORM model, which follows the newest schema.
_RUNS_0007 = sa.table(
    "processing_runs",
    *(sa.column(name, sa.String()) for name in ("kind", "status", "camera_code", "config_sha256", "source")),
    *(
        sa.column(name, sa.Integer())
        for name in ("camera_version", "frames_done", "candidates_created", "attempts")
    ),
    *(sa.column(name, sa.JSON()) for name in ("options", "models", "events")),
    sa.column("id", sa.Uuid()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_RUN_EVENTS = sa.table(
    "run_events",
    sa.column("run_id", sa.Uuid()),
    sa.column("seq", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("data", sa.JSON()),
)


def _insert_run(engine: Engine, events: list[dict]) -> uuid.UUID:
    run_id, now = uuid.uuid4(), datetime(2026, 11, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            _RUNS_0007.insert().values(
                id=run_id,
                kind="process",
                status="completed",
                camera_code="HCM-Q1-001",
                camera_version=1,
                config_sha256="0" * 64,
                source="footage.mp4",
                options={},
                models={},
                frames_done=0,
                candidates_created=0,
                attempts=1,
                events=events,
                created_at=now,
                updated_at=now,
            )
        )
    return run_id


def _stored_events(engine: Engine, run_id: uuid.UUID) -> list[dict]:
    with engine.connect() as conn:
        if "run_events" in inspect(conn).get_table_names():
            query = (
                select(_RUN_EVENTS.c.data).where(_RUN_EVENTS.c.run_id == run_id).order_by(_RUN_EVENTS.c.seq)
            )
            return list(conn.scalars(query))
        events = conn.scalar(select(_RUNS_0007.c.events).where(_RUNS_0007.c.id == run_id))
        assert events is not None
        return list(events)


def test_0009_moves_run_events_into_rows_and_back() -> None:
    """Each event of a run's JSON list becomes one row (its key kept, or a position for an event from
    before the keys); downgrade gives back the same lists."""
    from penalties.runs.models import ProcessingRun

    red = {
        "code": "RED_LIGHT",
        "at": "2026-11-01T00:00:01+00:00",
        "key": "C:RED_LIGHT:1@5,9",
        "candidate_id": None,
    }
    lane = {"code": "WRONG_LANE", "at": "2026-11-01T00:00:02+00:00", "key": "C:WRONG_LANE:2@7,3"}
    old = {"code": "SPEEDING", "at": "2026-11-01T00:00:03+00:00"}  # before dedup keys
    with fresh_database("runev") as url:
        engine = make_engine(url)
        try:
            upgrade("0007", engine=engine)
            busy, idle = _insert_run(engine, [red, lane, old]), _insert_run(engine, [])

            upgrade("head", engine=engine)
            assert "events" not in {c["name"] for c in inspect(engine).get_columns("processing_runs")}
            with engine.connect() as conn:
                rows = conn.execute(
                    select(_RUN_EVENTS.c.run_id, _RUN_EVENTS.c.seq, _RUN_EVENTS.c.key).order_by(
                        _RUN_EVENTS.c.seq
                    )
                ).all()
            assert [tuple(r) for r in rows] == [
                (busy, 0, red["key"]),
                (busy, 1, lane["key"]),
                (busy, 2, "legacy:2"),
            ]
            with Session(engine) as session:
                assert session.get_one(ProcessingRun, busy).events == [red, lane, old]
                assert session.get_one(ProcessingRun, idle).events == []

            downgrade("0007", engine=engine)
            assert "run_events" not in inspect(engine).get_table_names()
            assert _stored_events(engine, busy) == [red, lane, old]
            assert _stored_events(engine, idle) == []

            upgrade("head", engine=engine)
            assert _stored_events(engine, busy) == [red, lane, old]
            assert drift(engine) == []
        finally:
            engine.dispose()


def test_0030_seals_held_face_embeddings_and_back() -> None:
    """A face embedding held in the clear before 0030 is encrypted in place, bound to its registration
    (it opens as the same vector); downgrade gives back the clear bytes."""
    import numpy as np

    from core.at_rest import decrypt
    from exams.models import Exam, ExamKind, Registration
    from exams.proctoring.models import FaceReference
    from exams.proctoring.service import EMBEDDING

    vector = np.linspace(-1, 1, 128).astype("<f8").tobytes()
    with fresh_database("mig30") as url:
        engine = make_engine(url)
        try:
            upgrade("0029", engine=engine)
            now = datetime.now(UTC)
            with Session(engine) as session:
                exam = Exam(code="ON-1", kind=ExamKind.online, centre="x", starts_at=now, created_by="t")
                reg = Registration(exam=exam, cccd="001099000001", full_name="A", registered_by="t")
                session.add_all([exam, reg])
                session.flush()
                ref = FaceReference(registration_id=reg.id, exam_id=exam.id, embedding=vector, keep_until=now)
                session.add(ref)
                session.commit()
                ref_id, reg_id = ref.id, reg.id

            def stored() -> bytes:
                with Session(engine) as session:
                    return session.get_one(FaceReference, ref_id).embedding

            upgrade("head", engine=engine)
            assert stored() != vector and decrypt(EMBEDDING, stored(), reg_id.bytes) == vector
            downgrade("0029", engine=engine)
            assert stored() == vector
            upgrade("head", engine=engine)
            assert decrypt(EMBEDDING, stored(), reg_id.bytes) == vector
        finally:
            engine.dispose()
