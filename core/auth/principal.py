"""Who is calling: a staff user (roles) or a citizen (CCCD from the identity provider)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

CITIZEN = "citizen"


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff" or "citizen"
    subject: str  # user id or CCCD
    name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    sid: str = field(default="", repr=False)  # the staff session's token, to end it on sign-out
    acr: str = ""  # a citizen's sign-in assurance level (VNeID: "vneid:level1" / "vneid:level2")
    idp_session: str = ""  # a citizen's IdP session id (``sid``, else the token's ``jti``)

    @property
    def actor(self) -> str:
        """The audit log's name for this caller (no personal data beyond the id)."""
        return f"{self.kind}:{self.subject}"

    @property
    def user_id(self) -> uuid.UUID:
        if self.kind != "staff":
            raise ValueError("not a staff principal")
        return uuid.UUID(self.subject)

    @property
    def cccd(self) -> str:
        if self.kind != CITIZEN:
            raise ValueError("not a citizen principal")
        return self.subject

    @property
    def grants(self) -> frozenset[str]:
        return frozenset({CITIZEN}) if self.kind == CITIZEN else self.roles
