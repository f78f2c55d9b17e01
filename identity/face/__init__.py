"""Face match of a live camera frame against the chip's DG2 photo: backends, quality gates, match,
a head-turn liveness challenge and the person-bound trust level. Engine only (no DB, no web)."""
