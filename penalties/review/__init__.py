"""Police review of candidates: claim, correct, reject, escalate, confirm."""
