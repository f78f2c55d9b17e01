from core.errors import Conflict, NotFound


class CitizenNotFound(NotFound):
    """No citizen with this CCCD number."""


class VehicleNotFound(NotFound):
    """No vehicle registered under this plate."""


class CitizenExists(Conflict):
    """A citizen with this CCCD number already exists."""


class PlateTaken(Conflict):
    """This plate is already registered to a vehicle."""
