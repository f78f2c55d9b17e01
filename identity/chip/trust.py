"""The CSCA trust store: the country signing CA certificates that chip data must chain to.

A folder of certificates (PEM, possibly several per file, or DER), configured by
``TVP_IDENTITY_CSCA_DIR`` (default ``<data_dir>/csca``). Only CA certificates are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

logger = logging.getLogger(__name__)

SUFFIXES = (".pem", ".crt", ".cer", ".der")


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


@dataclass(frozen=True)
class TrustStore:
    cscas: tuple[x509.Certificate, ...]
    source: str = "in memory"

    @classmethod
    def from_dir(cls, folder: Path) -> TrustStore:
        """Every CA certificate in ``folder``; an unreadable file is skipped with a warning, a missing
        folder gives an empty store (then every chip fails with ``chip.csca_untrusted``)."""
        found: list[x509.Certificate] = []
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() not in SUFFIXES:
                    continue
                try:
                    certs = load_certificates(path.read_bytes())
                except ValueError:
                    logger.warning("CSCA store: %s is not a certificate; skipped", path.name)
                    continue
                for cert in certs:
                    if _is_ca(cert):
                        found.append(cert)
                    else:
                        logger.warning("CSCA store: %s holds a non-CA certificate; skipped", path.name)
        return cls(tuple(found), str(folder))

    @classmethod
    def from_settings(cls) -> TrustStore:
        from core.config import get_settings

        return cls.from_dir(get_settings().resolved_csca_dir)

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        return [c for c in self.cscas if c.subject == cert.issuer]
