from core.errors import Conflict, InvalidInput, NotFound


class DecisionNotFound(NotFound):
    """No such decision."""


class NoticeNotDecidable(Conflict):
    """The notice cannot be decided in its current state."""


class NoticeAlreadyDecided(Conflict):
    """The notice is already covered by a decision."""


class SeveralLiablePersons(InvalidInput):
    """One decision covers the notices of one liable person only."""


class LicenceClassUnknown(Conflict):
    """The violation's vehicle class does not say which licence loses the points."""


class DecisionClosed(Conflict):
    """The decision is cancelled: it cannot be paid."""
