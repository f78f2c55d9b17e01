from core.errors import Conflict, Forbidden, InvalidInput, NotFound


class AssuranceTooLow(Forbidden):
    """Acknowledging a violation needs a VNeID level-2 sign-in."""


class NotLiable(Forbidden):
    """Only the citizen who answers for the notice now may do this."""


class OrganisationMustNominate(Conflict):
    """The vehicle belongs to an organisation: it must name the driver, it cannot acknowledge."""


class AlreadyAcknowledged(Conflict):
    """The notice has been acknowledged already."""


class AcknowledgementNotFound(NotFound):
    """The notice has not been acknowledged."""


class NominationNotFound(NotFound):
    """No such nomination (or not one naming you)."""


class NominationNotAllowed(Conflict):
    """This notice cannot be passed to a driver now."""


class NomineeUnknown(InvalidInput):
    """The named CCCD is not in the citizen registry."""


class NominationAnswered(Conflict):
    """The nomination has been answered (or has expired) already."""


class DisputeNotFound(NotFound):
    """No such dispute."""


class DisputeDecided(Conflict):
    """The dispute has been decided already."""


class AmountOutsideRange(InvalidInput):
    """The amended amount is outside the provision's legal range."""


class AttachmentRejected(InvalidInput):
    """An attached file was refused (type, size or content)."""


class AlreadyDisputed(Conflict):
    """The notice was already disputed by you and the dispute decided: one explanation per notice."""
