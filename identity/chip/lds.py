"""ICAO 9303-10 logical data structure as asn1crypto specs: DG1 (MRZ), DG2 (face), DG13 (Vietnam's own
fields), EF.SOD (CMS SignedData over an LDSSecurityObject). Tags: DG1 ``61``, DG2 ``75``, DG13 ``6D``,
SOD ``77``; DG13's layout is the one public CCCD readers reverse-engineered (unofficial)."""

# ruff: noqa: RUF012  (asn1crypto specs are class-level lists by design)
from __future__ import annotations

from asn1crypto import algos, cms, core

LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
DG13_OID = "1.0.10646.1.0.8"


class DG1(core.Sequence):
    class_ = 1  # application
    tag = 1
    _fields = [("mrz", core.OctetString, {"implicit": ("application", 31)})]  # 5F1F


class BiometricHeader(core.Sequence):  # A1
    _fields = [
        ("version", core.OctetString, {"implicit": 0, "optional": True}),
        ("biometric_type", core.OctetString, {"implicit": 1, "optional": True}),
        ("biometric_subtype", core.OctetString, {"implicit": 2, "optional": True}),
        ("creation", core.OctetString, {"implicit": 3, "optional": True}),
        ("validity", core.OctetString, {"implicit": 5, "optional": True}),
        ("creator", core.OctetString, {"implicit": 6, "optional": True}),
        ("format_owner", core.OctetString, {"implicit": 7}),
        ("format_type", core.OctetString, {"implicit": 8}),
    ]


class BiometricInfo(core.Sequence):  # 7F60
    _fields = [
        ("header", BiometricHeader, {"implicit": 1}),
        ("data", core.OctetString, {"implicit": ("application", 46)}),  # 5F2E: an ISO 19794-5 record
    ]


class BiometricGroup(core.Sequence):  # 7F61
    _fields = [
        ("count", core.Integer),
        ("info", BiometricInfo, {"implicit": ("application", 96)}),
    ]


class DG2(core.Sequence):
    class_ = 1
    tag = 21
    _fields = [("group", BiometricGroup, {"implicit": ("application", 97)})]


class Names(core.SequenceOf):
    _child_spec = core.UTF8String


class DG13Value(core.Choice):
    _alternatives = [
        ("text", core.UTF8String),
        ("printable", core.PrintableString),
        ("names", Names),  # fields 13 (father, mother) and 14 (spouse)
    ]


class DG13Field(core.Sequence):
    _fields = [("number", core.Integer), ("value", DG13Value)]


class DG13Fields(core.SetOf):
    _child_spec = DG13Field


class DG13(core.Sequence):
    class_ = 1
    tag = 13
    _fields = [("version", core.Integer), ("oid", core.ObjectIdentifier), ("fields", DG13Fields)]


class DataGroupHash(core.Sequence):
    _fields = [("number", core.Integer), ("hash", core.OctetString)]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class LDSSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("hashes", DataGroupHashes),
        ("version_info", LDSVersionInfo, {"optional": True}),
    ]


SOD_TAG = ("application", 23)


def load_sod(data: bytes) -> cms.ContentInfo:
    """EF.SOD (``77`` wrapping a CMS ContentInfo); a bare ContentInfo is accepted too."""
    if data[:1] == b"\x77":
        info = cms.ContentInfo.load(data, explicit=SOD_TAG, strict=True)
    else:
        info = cms.ContentInfo.load(data, strict=True)
    _ = info.native  # parse everything now: a malformed SOD fails here, not half-way through checks
    return info


def dump_sod(info: cms.ContentInfo) -> bytes:
    """``77`` + the ContentInfo: EF.SOD as a chip holds it."""
    wrapped = cms.ContentInfo(
        {"content_type": info["content_type"], "content": info["content"]}, explicit=SOD_TAG
    )
    return bytes(wrapped.dump())
