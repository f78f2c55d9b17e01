"""Ops and admin: the published open data files, listed and downloaded.

Not public: the files hold aggregates only, but putting them on a public portal is a decision for the
data owner after reviewing a month's output; until then ops hand them over."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.evidence import BlobStore, get_blob_store
from core.models import Role
from penalties.opendata.models import OpenDataFile
from penalties.opendata.service import get_file, list_files

router = APIRouter(prefix="/api/ops/opendata", tags=["ops"])
DB = Annotated[Session, Depends(get_session, scope="function")]
Ops = Annotated[Principal, Depends(require(Role.ops, Role.admin))]


def evidence_store() -> BlobStore:
    return get_blob_store()


Store = Annotated[BlobStore, Depends(evidence_store)]


class OpenDataFileRead(BaseModel):
    path: str
    month: str
    name: str
    sha256: str
    content_type: str
    size_bytes: int
    rows: int
    k: int
    published_at: datetime

    @classmethod
    def of(cls, row: OpenDataFile) -> OpenDataFileRead:
        return cls(
            path=row.path,
            month=row.month,
            name=row.name,
            sha256=row.sha256,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            rows=row.rows,
            k=row.k,
            published_at=row.published_at,
        )


@router.get(
    "", response_model=list[OpenDataFileRead], summary="Published open data files, newest month first"
)
def files(db: DB, _: Ops) -> list[OpenDataFileRead]:
    return [OpenDataFileRead.of(row) for row in list_files(db)]


@router.get("/{month}/{name}", summary="Download a published open data file")
def download(month: str, name: str, db: DB, _: Ops, store: Store) -> Response:
    row = get_file(db, month, name)
    return Response(
        store.get(row.sha256),
        media_type=row.content_type,
        headers={"Content-Disposition": f'attachment; filename="tvp-opendata-{row.month}-{row.name}"'},
    )
