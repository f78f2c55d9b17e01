"""Errors of live cameras on the workers (they render as {"error", "detail"} with their status)."""

from __future__ import annotations

from core.errors import AppError


class LiveSourceInvalid(AppError):
    """Neither a stream URL nor a readable video file."""

    status_code = 422


class CameraAlreadyLive(AppError):
    status_code = 409


class CameraNotLive(AppError):
    status_code = 404
