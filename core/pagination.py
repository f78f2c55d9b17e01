from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_PAGE = 100_000  # far past any real list; keeps OFFSET inside every database's integer range
MAX_SIZE = 200

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")]
PageSize = Annotated[int, Query(ge=1, le=MAX_SIZE, description="Items per page")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
