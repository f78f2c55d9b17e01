"""Core's job handlers (imported by the worker through core.plugins.load_tasks)."""

from core.jobs import builtin as builtin

__all__ = ["builtin"]
