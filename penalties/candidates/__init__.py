"""Violation candidates: recorded from events (deduplicated, merged), with their evidence and chain."""
