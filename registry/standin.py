"""A faithful stand-in for the national vehicle registration service (outside our reach): a separate
FastAPI app with its own database, answering plate → vehicle → owner over HTTP, with switches that inject
latency, errors and timeouts so tvp's client can be tested against a misbehaving service.

    tvp registry serve [--port 8100] [--seed-citizens 200] [--faults]

Callers authenticate with ``X-Api-Key`` (TVP_REGISTRY_API_KEY). With ``--faults``, POST /_faults sets
``{"latency_ms", "error_rate", "timeout_rate"}`` (0..1 rates) and GET /_faults shows them.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine
from registry.models import Citizen, Vehicle
from registry.provider import find_vehicle

TABLES = [Citizen.__table__, Vehicle.__table__]


class Faults(BaseModel):
    latency_ms: int = Field(0, ge=0, le=60_000)
    error_rate: float = Field(0.0, ge=0, le=1)
    timeout_rate: float = Field(0.0, ge=0, le=1, description="Requests that hang for 30 s")


@dataclass
class StandIn:
    engine: Engine
    api_key: str
    faults: Faults
    rng: random.Random


def init_schema(engine: Engine) -> None:
    from core.db import Base

    Base.metadata.create_all(engine, tables=TABLES)  # type: ignore[arg-type]


def _state(request: Request) -> StandIn:
    state: StandIn = request.app.state.standin
    return state


def _db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def _caller(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> None:
    if x_api_key is None or not secrets.compare_digest(x_api_key, _state(request).api_key):
        raise HTTPException(401, "missing or wrong X-Api-Key")


async def _misbehave(request: Request) -> None:
    state = _state(request)
    f = state.faults
    if f.latency_ms:
        await asyncio.sleep(f.latency_ms / 1000)
    if f.timeout_rate and state.rng.random() < f.timeout_rate:
        await asyncio.sleep(30)
    if f.error_rate and state.rng.random() < f.error_rate:
        raise HTTPException(503, "registry temporarily unavailable")


DB = Annotated[Session, Depends(_db)]


def create_standin_app(
    database_url: str, api_key: str, *, faults_switch: bool = False, seed: int = 0
) -> FastAPI:
    engine = make_engine(database_url)
    init_schema(engine)
    app = FastAPI(title="National vehicle registration (stand-in)", version="1")
    app.state.standin = StandIn(engine, api_key, Faults(), random.Random(seed))
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/vehicles/{plate}", dependencies=[Depends(_caller), Depends(_misbehave)])
    def vehicle(plate: str, session: DB) -> dict[str, Any]:
        found = find_vehicle(session, plate)
        if found is None:
            raise HTTPException(404, f"no vehicle registered under {plate}")
        v, owner = found
        return {
            "plate": v.plate,
            "plate_display": v.plate_display,
            "vehicle_type": str(v.vehicle_type),
            "brand": v.brand,
            "colour": v.colour,
            "registration_status": str(v.registration_status),
            "stolen": v.stolen,
            "wanted": v.wanted,
            "owner": {
                "kind": str(v.owner_kind),
                "cccd": owner.cccd,
                "full_name": owner.full_name,
                "address": owner.address,
                "organisation": v.organisation_name,
                "tax_code": v.organisation_tax_code,
            },
        }

    if faults_switch:

        @app.get("/_faults", dependencies=[Depends(_caller)])
        def get_faults(request: Request) -> Faults:
            return _state(request).faults

        @app.post("/_faults", dependencies=[Depends(_caller)])
        def set_faults(body: Faults, request: Request) -> Faults:
            _state(request).faults = body
            return body

    return app
