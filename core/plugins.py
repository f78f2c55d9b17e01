"""The installed domain packages, resolved by name so that core imports none of them directly."""

from __future__ import annotations

import importlib
from types import ModuleType

from core.config import get_settings

# Bottom to top, in import-direction order. penalties is a package of subpackages, each with the
# plugin modules (models, tasks, routes, cli, seed, chains) it has.
PACKAGES = (
    "core",
    "identity",
    "ocr",
    "detection",
    "registry",
    "penalties.law",
    "penalties.cameras",
    "penalties.candidates",
    "penalties.runs",
    "penalties.notices",
    "penalties.responses",
    "penalties.decisions",
    "penalties.review",
    "penalties.opendata",  # anonymised monthly statistics, k-anonymous, published to the store
    "payments",
    "payments.reconciliation",  # daily comparison with the gateways, mismatches, resolve actions
    "exams",  # candidates' identity check-in for driving tests and online exams
    "exams.proctoring",  # online exams: webcam re-verification, flags, the proctor's queue
    "exams.training",  # driving-school learners: enrolment, training sessions (DAT rules)
    "analytics",  # the IOC dashboard's daily aggregate, kept by a job
    "citizen_app_api",
    "citizen_app_api.delivery",
    "web",
)


def import_optional(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module or (exc.name and module.startswith(exc.name + ".")):
            return None
        raise


def load_models() -> None:
    """Import every package's models so the metadata (and Alembic) sees all tables."""
    for pkg in PACKAGES:
        import_optional(f"{pkg}.models")


def load_tasks() -> None:
    for pkg in PACKAGES:
        import_optional(f"{pkg}.tasks")
    for module in get_settings().task_modules:
        importlib.import_module(module)


def cli_modules() -> list[ModuleType]:
    """Every package's ``cli`` module (``detection.cli``, ``penalties.runs.cli``…), bottom to top;
    ``core.cli`` is the host they plug into, not one of them."""
    found = []
    for pkg in PACKAGES:
        if pkg != "core" and (module := import_optional(f"{pkg}.cli")) is not None:
            found.append(module)
    return found


def modules_with(attr: str, suffix: str) -> list[ModuleType]:
    found = []
    for pkg in PACKAGES:
        module = import_optional(f"{pkg}.{suffix}")
        if module is not None and hasattr(module, attr):
            found.append(module)
    return found
