"""Where the platform may post for a citizen: public internet addresses only (no SSRF into its own
network: private, loopback, link-local, cloud-metadata addresses are refused)."""

from __future__ import annotations

import ipaddress
import socket


def public_host(host: str) -> bool:
    """Every address the host name resolves to is a global one (no private, loopback, link-local or
    cloud-metadata address): the platform never posts into its own network for a citizen."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_global for info in infos)
