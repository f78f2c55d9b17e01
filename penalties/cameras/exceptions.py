from core.errors import Conflict, InvalidInput, NotFound


class CameraCodeTaken(Conflict):
    """A camera with this code already exists."""


class CameraNotFound(NotFound):
    """No camera with this code."""


class CameraConfigInvalid(InvalidInput):
    """The camera configuration is not valid."""


class CameraConfigVersionTaken(Conflict):
    """This camera already has this configuration version with a different text: bump camera.version."""


class CameraConfigOutdated(Conflict):
    """A newer configuration version of this camera is already stored."""
