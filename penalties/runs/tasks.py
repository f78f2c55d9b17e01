"""Jobs of processing runs."""

from penalties.runs import replay_tasks  # noqa: F401  (segmented replays)
