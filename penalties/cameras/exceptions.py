from core.errors import Conflict


class CameraCodeTaken(Conflict):
    """A camera with this code already exists."""
