from core.errors import NotFound


class CandidateNotFound(NotFound):
    """No such violation candidate."""


class EvidenceNotFound(NotFound):
    """No such evidence item."""
