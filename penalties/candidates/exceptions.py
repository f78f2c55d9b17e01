from core.errors import Conflict, Forbidden, NotFound


class CandidateNotFound(NotFound):
    """No such violation candidate."""


class EvidenceNotFound(NotFound):
    """No such evidence item."""


class MoveNotAllowed(Conflict):
    """The candidate cannot move from its current state to the one asked for."""


class MoveForbidden(Forbidden):
    """This move is not yours to make."""


class AlreadyReviewed(Conflict):
    """The candidate has been decided already."""


class AlreadyEscalated(Conflict):
    """The candidate is already with a supervisor."""


class EscalatedToSupervisor(Forbidden):
    """The candidate was escalated: only a supervisor may take and decide it."""
