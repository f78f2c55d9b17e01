"""onnxruntime sessions tuned for small CPUs: explicit threads, no spinning (idle sessions must not
steal the core that the running one needs)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def cpu_threads() -> int:
    return max(1, min(int(os.environ.get("TVP_ORT_THREADS", "2")), os.cpu_count() or 1))


def ort_session(model: str | Path | bytes, threads: int | None = None) -> Any:
    """A CPU session for a model file, or for a serialised model (one rewritten in memory)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or cpu_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
