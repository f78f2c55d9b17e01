from core.errors import Conflict, InvalidInput


class ClaimTaken(Conflict):
    """Another reviewer is working on this candidate."""


class NotClaimed(Conflict):
    """Claim the candidate before acting on it (or the claim has expired)."""


class SecondCheckRequired(Conflict):
    """You corrected the plate to another vehicle owner: another reviewer or a supervisor confirms."""


class LimitationExpired(Conflict):
    """More than a year since the violation: it can no longer be sanctioned."""


class OwnerUnknown(Conflict):
    """The plate is not in the vehicle registry: correct the plate or reject."""


class FlaggedVehicle(Conflict):
    """The vehicle carries warnings (stolen, cloned plate, type mismatch…): confirm only after reading
    them (acknowledge_flags)."""


class NotARiderFinding(Conflict):
    """Only a helmet or overload finding has riders to drop."""


class RiderNotInFinding(InvalidInput):
    """No such rider in this finding, or the rider was already dropped."""
