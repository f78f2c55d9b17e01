from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound


class EndpointNotFound(NotFound):
    """No such device of yours."""


class DeliveryNotFound(NotFound):
    """No such delivery of yours."""


class EndpointUrlRejected(InvalidInput):
    """Endpoints must use https (plain http only to 127.0.0.1 or localhost, outside production)."""


class SubscriptionIncomplete(InvalidInput):
    """A browser push subscription needs its p256dh and auth keys."""


class TooManyEndpoints(Conflict):
    """A citizen may keep a limited number of devices."""
