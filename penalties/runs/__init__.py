"""Processing runs: footage or a stream through the camera pipeline, resumable; replays compared."""
