"""Errors of processing runs and live cameras (they render as {"error", "detail"} with their status)."""

from __future__ import annotations

from core.errors import AppError, NotFound


class RunNotFound(NotFound):
    """No processing run with this id."""


class LiveSourceInvalid(AppError):
    """Neither a stream URL nor a readable video file."""

    status_code = 422


class CameraAlreadyLive(AppError):
    status_code = 409


class CameraNotLive(AppError):
    status_code = 404
