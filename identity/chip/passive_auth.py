"""Passive authentication of chip data (ICAO 9303-11 §5.1), with asn1crypto and cryptography.

1. EF.SOD is a CMS SignedData whose content is an LDSSecurityObject (the data-group hashes);
2. its signed attributes' messageDigest is the hash of that content;
3. the SignerInfo signature (RSA-PSS, RSA PKCS#1 v1.5 or ECDSA, as the SOD says) verifies with the
   Document Signer certificate (DSC) carried in the SOD;
4. the DSC was issued by a CSCA in the trust store, and both are valid now;
5. each data group read from the chip hashes to the value the SOD lists for it.

Every failure raises PassiveAuthFailed with its own code; nothing is "partly authentic".
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import algos, cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from core.time import utc_now
from identity.chip.lds import LDS_SECURITY_OBJECT_OID, LDSSecurityObject, load_sod
from identity.chip.trust import TrustStore
from identity.errors import ChipDataError, PassiveAuthFailed

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True)
class PassiveAuthResult:
    data_groups: tuple[int, ...]  # the data groups read and verified
    hash_algorithm: str
    signature_algorithm: str
    dsc_subject: str
    dsc_serial: int
    csca_subject: str
    checked_at: datetime


def _fail(code: str, vi: str, en: str) -> PassiveAuthFailed:
    return PassiveAuthFailed(f"chip.{code}", vi, en)


def _hash(name: str) -> hashes.HashAlgorithm:
    if name not in HASHES:
        raise _fail(
            "algorithm", "Chip dùng thuật toán băm không hỗ trợ.", f"Unsupported hash algorithm {name!r}."
        )
    return HASHES[name]()


def _digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(_hash(name))
    h.update(data)
    return h.finalize()


def _signed_data(sod: bytes) -> cms.SignedData:
    try:
        info = load_sod(sod)
    except Exception as exc:
        raise ChipDataError(
            "chip.sod.format", "Không đọc được EF.SOD từ chip.", f"EF.SOD cannot be parsed: {exc}"
        ) from exc
    if info["content_type"].native != "signed_data":
        raise ChipDataError(
            "chip.sod.format", "EF.SOD không phải SignedData.", "EF.SOD is not CMS SignedData."
        )
    return info["content"]


def _lds_object(signed: cms.SignedData) -> tuple[bytes, LDSSecurityObject]:
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise ChipDataError(
            "chip.sod.format",
            "EF.SOD không chứa LDSSecurityObject.",
            "EF.SOD does not hold an LDSSecurityObject.",
        )
    content = encap["content"].native if encap["content"].native is not None else b""
    try:
        lds = LDSSecurityObject.load(bytes(content), strict=True)
        _ = lds.native
    except Exception as exc:
        raise ChipDataError(
            "chip.sod.format", "LDSSecurityObject hỏng.", f"The LDSSecurityObject cannot be parsed: {exc}"
        ) from exc
    return bytes(content), lds


def _signer(signed: cms.SignedData) -> tuple[cms.SignerInfo, x509.Certificate]:
    infos = list(signed["signer_infos"])
    certs = [c.chosen for c in signed["certificates"]] if signed["certificates"].native else []
    if len(infos) != 1 or not certs:
        raise _fail(
            "dsc_missing",
            "EF.SOD không có chứng thư người ký (DSC).",
            "EF.SOD carries no Document Signer certificate, or not exactly one signer.",
        )
    info = infos[0]
    sid = info["sid"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            match = (
                sid.chosen["issuer"] == cert["tbs_certificate"]["issuer"]
                and sid.chosen["serial_number"].native == cert.serial_number
            )
        else:
            match = sid.chosen.native == cert.key_identifier
        if match:
            return info, x509.load_der_x509_certificate(cert.dump())
    raise _fail(
        "dsc_missing",
        "Không tìm thấy DSC khớp với người ký trong EF.SOD.",
        "No certificate in EF.SOD matches the signer.",
    )


def _signed_bytes(info: cms.SignerInfo, content: bytes, digest_name: str) -> bytes:
    """What the signature covers: DER of the signed attributes (as a SET), else the content itself."""
    attrs = info["signed_attrs"]
    if not attrs.native:
        return content
    values = {a["type"].native: a["values"] for a in attrs}
    if "content_type" not in values or values["content_type"][0].dotted != LDS_SECURITY_OBJECT_OID:
        raise _fail(
            "sod_digest", "Thuộc tính ký của EF.SOD sai loại nội dung.", "The signed content type is wrong."
        )
    digest = values.get("message_digest")
    if digest is None or not hmac.compare_digest(digest[0].native, _digest(digest_name, content)):
        raise _fail(
            "sod_digest",
            "Bảng băm trong EF.SOD đã bị sửa (messageDigest không khớp).",
            "The SOD's hash table was altered: its messageDigest does not match.",
        )
    return bytes(attrs.untag().dump())


def _ecdsa_der(signature: bytes) -> bytes:
    """ECDSA signatures in DER, or plain r‖s (BSI TR-03111) converted to DER."""
    if signature[:1] == b"\x30":
        return signature
    half = len(signature) // 2
    return encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )


def _verify(key: Any, signature: bytes, data: bytes, algo: algos.SignedDigestAlgorithm, digest: str) -> str:
    name = algo.signature_algo
    try:
        hash_name = algo.hash_algo
    except ValueError:
        hash_name = digest  # plain rsaEncryption / ecPublicKey OIDs: the SignerInfo's digest algorithm
    try:
        if name == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            params = algo["parameters"]
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            pss = padding.PSS(mgf=padding.MGF1(_hash(mgf_hash)), salt_length=params["salt_length"].native)
            key.verify(signature, data, pss, _hash(params["hash_algorithm"]["algorithm"].native))
        elif name == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), _hash(hash_name))
        elif name == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(_ecdsa_der(signature), data, ec.ECDSA(_hash(hash_name)))
        else:
            raise _fail(
                "algorithm",
                "Thuật toán ký của EF.SOD không khớp khoá của DSC.",
                f"Signature algorithm {name} does not fit the DSC's {type(key).__name__} key.",
            )
    except (InvalidSignature, ValueError) as exc:
        raise _fail(
            "signature",
            "Chữ ký trên EF.SOD không hợp lệ với chứng thư DSC.",
            "The SOD signature does not verify with the Document Signer certificate.",
        ) from exc
    return name if name == "rsassa_pss" else f"{hash_name}_{'rsa' if name == 'rsassa_pkcs1v15' else name}"


def _chain(dsc: x509.Certificate, trust: TrustStore) -> x509.Certificate:
    for csca in trust.issuers_of(dsc):
        try:
            dsc.verify_directly_issued_by(csca)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return csca
    raise _fail(
        "csca_untrusted",
        "Chứng thư DSC không do CSCA tin cậy nào cấp (kiểm tra kho CSCA).",
        f"The Document Signer certificate was not issued by a trusted CSCA ({trust.source}; "
        "set TVP_IDENTITY_CSCA_DIR).",
    )


def _validity(cert: x509.Certificate, at: datetime, who: str) -> None:
    if at < cert.not_valid_before_utc:
        raise _fail(
            f"{who}_not_yet_valid",
            f"Chứng thư {who.upper()} chưa có hiệu lực.",
            f"The {who.upper()} certificate is not valid yet.",
        )
    if at > cert.not_valid_after_utc:
        raise _fail(
            f"{who}_expired",
            f"Chứng thư {who.upper()} đã hết hạn.",
            f"The {who.upper()} certificate has expired.",
        )


@dataclass(frozen=True)
class SignedSOD:
    """An EF.SOD whose signature verified with its DSC (not yet chained to a CSCA)."""

    dsc: x509.Certificate
    hash_algorithm: str
    signature_algorithm: str
    hashes: dict[int, bytes]


def verify_sod(sod: bytes) -> SignedSOD:
    """Parse EF.SOD, check its messageDigest and verify its signature with the DSC it carries."""
    signed = _signed_data(sod)
    content, lds = _lds_object(signed)
    info, dsc = _signer(signed)
    digest_name = info["digest_algorithm"]["algorithm"].native
    to_verify = _signed_bytes(info, content, digest_name)
    algorithm = _verify(
        dsc.public_key(), info["signature"].native, to_verify, info["signature_algorithm"], digest_name
    )
    return SignedSOD(
        dsc=dsc,
        hash_algorithm=lds["hash_algorithm"]["algorithm"].native,
        signature_algorithm=algorithm,
        hashes={h["number"].native: h["hash"].native for h in lds["hashes"]},
    )


def verify_chain(dsc: x509.Certificate, trust: TrustStore, at: datetime) -> x509.Certificate:
    """The trusted CSCA that issued ``dsc``; both must be valid at ``at``."""
    csca = _chain(dsc, trust)
    _validity(dsc, at, "dsc")
    _validity(csca, at, "csca")
    return csca


def check_data_groups(sod: SignedSOD, data_groups: Mapping[int, bytes]) -> None:
    """Each data group read must be listed in the SOD with the same hash."""
    for number, data in sorted(data_groups.items()):
        if number not in sod.hashes:
            raise _fail(
                "dg_unlisted",
                f"DG{number} không có trong EF.SOD.",
                f"DG{number} is not listed in the SOD, so it cannot be trusted.",
            )
        if not hmac.compare_digest(sod.hashes[number], _digest(sod.hash_algorithm, data)):
            raise _fail(
                "dg_hash",
                f"DG{number} đã bị sửa: băm không khớp EF.SOD.",
                f"DG{number} was altered: its hash does not match the SOD.",
            )


def passive_authenticate(
    data_groups: Mapping[int, bytes], sod: bytes, trust: TrustStore, *, at: datetime | None = None
) -> PassiveAuthResult:
    """Verify ``data_groups`` (number → raw bytes as read, tag included) against ``sod``."""
    at = at or utc_now()
    if 1 not in data_groups:
        raise ChipDataError("chip.dg1.missing", "Thiếu DG1 từ chip.", "DG1 (the MRZ) was not read.")
    signed = verify_sod(sod)
    csca = verify_chain(signed.dsc, trust, at)
    check_data_groups(signed, data_groups)
    return PassiveAuthResult(
        data_groups=tuple(sorted(data_groups)),
        hash_algorithm=signed.hash_algorithm,
        signature_algorithm=signed.signature_algorithm,
        dsc_subject=signed.dsc.subject.rfc4514_string(),
        dsc_serial=signed.dsc.serial_number,
        csca_subject=csca.subject.rfc4514_string(),
        checked_at=at,
    )
