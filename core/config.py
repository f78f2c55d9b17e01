"""One typed settings object for the whole platform (env prefix ``TVP_``, ``.env`` supported)."""

from __future__ import annotations

import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.secrets_file import local_secret, weakness

# Secrets: set in the environment; outside production a missing one is generated once per data dir.
SECRETS = {
    "secret_key": "TVP_SECRET_KEY",
    "idp_client_secret": "TVP_IDP_CLIENT_SECRET",
    "registry_api_key": "TVP_REGISTRY_API_KEY",
    "audit_key": "TVP_AUDIT_KEY",
    "acknowledgement_key": "TVP_ACKNOWLEDGEMENT_KEY",
    "vnpay_hash_secret": "TVP_VNPAY_HASH_SECRET",
    "biometric_key": "TVP_BIOMETRIC_KEY",
}


def default_models_dir() -> Path:
    """One models folder per machine (user), not per data dir: the exports are built once."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "tvp" / "models"


class Environment(StrEnum):
    dev = "dev"
    test = "test"
    production = "production"


class InsecureSettings(RuntimeError):
    """Raised when a production process would start with a development secret."""


def _env_file() -> tuple[str, ...]:
    # The test profile reads .env.test so a developer's .env never leaks into test runs.
    return (".env.test",) if os.environ.get("TVP_ENV") == "test" else (".env",)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TVP_", env_file=_env_file(), env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Field(Environment.dev, description="dev, test or production")
    data_dir: Path = Field(Path("var"), description="Embedded default: SQLite file, evidence, keys")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/tvp.db. Postgres: postgresql+psycopg://",
    )
    broker_url: str = Field(
        "stub://", description="stub:// runs jobs in-process; amqp://… (RabbitMQ) or redis://… in production"
    )
    jobs_queue: str = Field("tvp", description="Queue name used on the broker")
    job_max_attempts: int = Field(5, ge=1, description="Attempts before a job is moved to the dead letters")
    job_min_backoff_ms: int = Field(1000, ge=1, description="First retry delay; doubles per attempt")
    job_max_backoff_ms: int = Field(300_000, ge=1, description="Longest retry delay")
    job_redispatch_after_s: int = Field(
        900, ge=1, description="Re-send a dispatched job not finished after this long (lost message)"
    )
    job_lease_ttl_s: float = Field(
        6.0,
        ge=1.0,
        le=300.0,
        description="A long job's or live camera's lease: renewed every third of this; another worker "
        "takes the work over this long after its holder died",
    )
    task_modules: list[str] = Field(
        default_factory=list, description="Extra modules whose @task handlers the worker imports"
    )
    worker_threads: int = Field(2, ge=1, description="Job threads per worker process")

    secret_key: str = Field("", description="Signs session cookies and staff tokens")
    audit_key: str = Field("", description="Keys the audit and evidence hash chains (kept outside the DB)")
    acknowledgement_key: str = Field(
        "", description="Seed of the Ed25519 key that signs citizens' acknowledgements of notices"
    )
    biometric_key: str = Field(
        "", description="Keys the encryption of face embeddings held during an online exam (AES-256-GCM)"
    )
    audit_anchor_dir: Path | None = Field(
        None, description="Where signed chain heads are exported; default <data_dir>/anchors"
    )
    access_token_minutes: int = Field(60, ge=1, description="Lifetime of staff bearer tokens")
    session_cookie_secure: bool = Field(False, description="Send the session cookie over HTTPS only")
    session_idle_minutes: int = Field(30, ge=1, description="A staff session ends after this long unused")
    session_max_hours: int = Field(12, ge=1, description="A staff session ends this long after sign-in")
    hsts_seconds: int = Field(0, ge=0, description="Strict-Transport-Security max-age (0: no header)")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted")
    api_docs: bool | None = Field(None, description="Serve /docs; default: on except in production")
    rate_limit_storage: str = Field(
        "memory://", description="Sign-in limits: memory:// (one process) or redis://host:6379/1 (shared)"
    )
    login_account_limits: str = Field(
        "5 per 15 minutes; 20 per day", description="Failed sign-ins allowed per account"
    )
    login_ip_limits: str = Field(
        "30 per 15 minutes; 300 per day", description="Failed sign-ins allowed per client address"
    )

    idp_issuer: str = Field(
        "http://127.0.0.1:8000/idp", description="Citizen identity provider (VNeID stand-in) issuer URL"
    )
    idp_jwks_url: str | None = Field(None, description="JWKS URL; default <issuer>/jwks")
    idp_audience: str = Field("tvp-citizen-app", description="Audience (client id) of citizen tokens")
    idp_client_secret: str = Field("", description="Client secret at the embedded IdP")
    idp_embedded: bool = Field(True, description="Serve the embedded dev/demo IdP under /idp")
    idp_demo_passcode: str = Field("123456", description="Embedded IdP: passcode every demo citizen uses")
    idp_redirect_uris: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000/citizen/callback", "tvp-citizen://callback"],
        description="Embedded IdP: redirect URIs the citizen app may use",
    )
    citizen_events_max_s: int = Field(
        300,
        ge=0,
        description="A citizen app's live-update stream (SSE) closes after this long; it reconnects",
    )

    evidence_backend: str = Field("local", description="local or s3")
    candidate_merge_window_s: int = Field(
        300, ge=0, description="Same plate, camera and violation within this many seconds: one candidate"
    )
    evidence_dir: Path | None = Field(None, description="Local evidence folder; default <data_dir>/evidence")
    footage_dir: Path | None = Field(
        None,
        description="Footage ops may replay from the browser, uploads too; default <data_dir>/footage",
    )
    footage_upload_max_bytes: int = Field(
        2 * 1024**3, ge=1, description="Largest footage file ops may upload for a replay"
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (MinIO)")
    s3_bucket: str = Field("tvp-evidence", description="Evidence bucket")
    s3_access_key: str | None = Field(None, description="S3 access key")
    s3_secret_key: str | None = Field(None, description="S3 secret key")
    s3_region: str = Field("us-east-1", description="S3 region")

    run_events_retention_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="Events of live runs, and whole replays, older than this are deleted daily "
        "(footage runs keep theirs: they are the record of what created candidates)",
    )
    opendata_k: int = Field(
        10, ge=2, description="Open data: a cell with fewer violations is merged up, never published alone"
    )
    opendata_licence: str = Field(
        "CC BY 4.0 — tvp open data", description="Open data: the licence line in every published file set"
    )

    models_dir: Path | None = Field(
        None,
        description="Model weights (trained, exported, quantised), shared by every data dir; "
        "default $XDG_CACHE_HOME/tvp/models (~/.cache/tvp/models)",
    )
    vehicle_detector: str = Field("coco-yolov8n", description="Vehicle detector model name")
    plate_detector: str = Field(
        "auto",
        description="Plate detector model name; auto = our VN-trained weights when present, else plate-mahdi",
    )

    model_precision: str = Field(
        "auto",
        description="auto (int8 when made or shipped, unless its 8-bit weights saturate on this CPU), "
        "fp32 or int8",
    )
    vehicle_imgsz: int = Field(
        640,
        ge=320,
        le=1280,
        multiple_of=32,
        description="Longer side of the frame as the vehicle detector sees it; 512 is ~6 ms faster "
        "per 1080p frame on 2 cores and misses more far-away vehicles",
    )

    registry_provider: str = Field(
        "local", description="Vehicle registry: local (this database) or http (the registration service)"
    )
    registry_url: str = Field("http://127.0.0.1:8100", description="Registration service base URL (http)")
    registry_api_key: str = Field("", description="X-Api-Key for the registration service")
    registry_timeout_s: float = Field(3.0, gt=0, description="Per-request timeout to the registry")
    registry_retries: int = Field(2, ge=0, le=10, description="Retries after a failed registry request")
    registry_cache_s: float = Field(60.0, ge=0, description="How long a registry answer is reused")
    registry_breaker_failures: int = Field(
        5, ge=1, description="Consecutive failures that open the circuit to the registry"
    )
    registry_breaker_cooldown_s: float = Field(30.0, gt=0, description="How long the circuit stays open")
    registry_database_url: str | None = Field(
        None, description="tvp registry serve: its own database; default <data_dir>/registry.sqlite3"
    )

    delivery_backoff_base_s: float = Field(
        30.0, ge=0, description="Citizen-app delivery: first retry delay (full jitter; doubles per attempt)"
    )
    delivery_backoff_cap_s: float = Field(21_600.0, ge=0, description="Citizen-app delivery: longest delay")
    delivery_max_attempts: int = Field(40, ge=1, description="Citizen-app delivery: attempts before failed")
    delivery_timeout_s: float = Field(10.0, gt=0, description="Citizen-app delivery: per-request timeout")
    delivery_postal_days: int = Field(
        5, ge=1, description="Days after publication without confirmed receipt before a notice goes by post"
    )
    citizen_api_base_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL put in pushes for the app to fetch the object"
    )
    vapid_subject: str = Field("mailto:ops@tvp.invalid", description="Web Push: VAPID contact (sub claim)")
    vapid_private_key_file: Path | None = Field(
        None, description="Web Push: VAPID private key (PEM, P-256); default <data_dir>/vapid_private_key.pem"
    )
    nomination_answer_days: int = Field(
        7, ge=1, le=60, description="Days a named driver has to accept or refuse before it goes back"
    )
    dispute_max_attachments: int = Field(
        3, ge=0, le=10, description="Files a citizen may attach to a dispute"
    )
    dispute_attachment_max_bytes: int = Field(
        5_242_880, ge=1024, description="Largest file a citizen may attach to a dispute"
    )

    stripe_api_base: str = Field("https://api.stripe.com", description="Stripe API base URL")
    stripe_secret_key: str = Field(
        "", description="Stripe secret key (sk_live_… in production); dev/test: a generated sk_test_ key"
    )
    stripe_webhook_secret: str = Field(
        "", description="Stripe webhook endpoint signing secret (whsec_…); dev/test: generated per data dir"
    )

    scheduler_enabled: bool = Field(
        True,
        description="Workers (and tvp serve's in-process worker) enqueue periodic jobs (clocks, anchors)",
    )

    payment_gateway: str = Field(
        "",
        description="Payment gateway: vnpay-sandbox (the in-repo sandbox), vnpay or stripe; "
        "default vnpay-sandbox, vnpay in production",
    )
    vnpay_tmn_code: str = Field("TVPDEMO1", description="VNPay merchant terminal code (vnp_TmnCode)")
    vnpay_hash_secret: str = Field("", description="VNPay hash secret (HMAC-SHA512 key)")
    vnpay_pay_url: str = Field(
        "http://127.0.0.1:8200/paymentv2/vpcpay.html", description="VNPay payment page URL"
    )
    vnpay_api_url: str = Field(
        "http://127.0.0.1:8200/merchant_webapi/api/transaction", description="VNPay querydr/refund API URL"
    )
    vnpay_timeout_s: float = Field(10.0, gt=0, description="Per-request timeout to the VNPay API")

    identity_csca_dir: Path | None = Field(
        None,
        description="Chip ID cards: folder of trusted CSCA certificates (PEM or DER) for passive "
        "authentication; default <data_dir>/csca",
    )
    identity_face_backend: str = Field("dlib", description="Face match backend (dlib, fake)")
    identity_face_max_distance: float = Field(
        0.5, gt=0, description="Face match: the largest embedding distance accepted as the same person"
    )
    identity_face_liveness: bool = Field(True, description="Face match: require the head-turn challenge")
    exam_reverify_every_s: int = Field(
        60, ge=1, le=3600, description="Online exam page: seconds between webcam re-verifications"
    )

    metrics_token: str = Field(
        "", description="Bearer token Prometheus scrapes /metrics with; unset: only ops/admin staff may"
    )
    log_format: str | None = Field(
        None,
        pattern="^(json|text)$",
        description="Log lines as json or text; default json for "
        "`tvp serve` and `tvp worker` in production, text otherwise",
    )

    host: str = Field("127.0.0.1", description="tvp serve: bind address")
    port: int = Field(8000, description="tvp serve: port")

    @model_validator(mode="after")
    def _secrets(self) -> Settings:
        if not self.payment_gateway:
            self.payment_gateway = "vnpay" if self.env is Environment.production else "vnpay-sandbox"
        if self.env is Environment.production:
            self._refuse_insecure_production()
        else:
            for field in SECRETS:
                if not getattr(self, field):
                    setattr(self, field, local_secret(self.data_dir, field))
            self._local_stripe_secrets()
        return self

    def _local_stripe_secrets(self) -> None:
        # Outside production no published default works: each data dir gets its own test secrets.
        if not self.stripe_secret_key:
            self.stripe_secret_key = "sk_test_" + local_secret(self.data_dir, "stripe_secret_key")
        if not self.stripe_webhook_secret:
            self.stripe_webhook_secret = "whsec_" + local_secret(self.data_dir, "stripe_webhook_secret")

    def _stripe_problems(self) -> list[str]:
        """Stripe is optional; once either of its secrets is set, both must be real live secrets."""
        key, hook = self.stripe_secret_key, self.stripe_webhook_secret
        if not key and not hook:
            return []
        problems = []
        for var, value in (("TVP_STRIPE_SECRET_KEY", key), ("TVP_STRIPE_WEBHOOK_SECRET", hook)):
            why = "not set" if not value else weakness(value)
            if why:
                problems.append(f"{var} ({why})")
        if key and not key.startswith(("sk_live_", "rk_live_")):
            problems.append("TVP_STRIPE_SECRET_KEY must be a live key (sk_live_… or rk_live_…)")
        if key and key == hook:
            problems.append("the same value is used for two secrets; each must be its own")
        return problems

    def _refuse_insecure_production(self) -> None:
        needed = dict(SECRETS)
        if self.registry_provider != "http":
            needed.pop("registry_api_key")
        if not self.payment_gateway.startswith("vnpay"):
            needed.pop("vnpay_hash_secret")
        problems = []
        for field, var in needed.items():
            value = getattr(self, field)
            why = "not set" if not value else weakness(value)
            if why:
                problems.append(f"{var} ({why})")
        values = [getattr(self, f) for f in needed if getattr(self, f)]
        if len(set(values)) < len(values):
            problems.append("the same value is used for two secrets; each must be its own")
        problems += self._stripe_problems()
        if self.metrics_token and (why := weakness(self.metrics_token)):
            problems.append(f"TVP_METRICS_TOKEN ({why})")
        if not self.session_cookie_secure:
            problems.append("TVP_SESSION_COOKIE_SECURE must be true (cookies over HTTPS only)")
        if self.hsts_seconds < 86400:
            problems.append("TVP_HSTS_SECONDS must be at least 86400 (HTTPS Strict Transport Security)")
        if self.payment_gateway == "vnpay-sandbox":
            problems.append("TVP_PAYMENT_GATEWAY=vnpay-sandbox is the demo gateway: use vnpay or stripe")
        if problems:
            raise InsecureSettings("refusing to start in production: " + "; ".join(problems))
        if self.idp_embedded:
            raise InsecureSettings(
                "refusing to start in production with the embedded dev identity provider "
                "(set TVP_IDP_EMBEDDED=false and point TVP_IDP_ISSUER at VNeID)"
            )

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.env is not Environment.production

    @property
    def resolved_anchor_dir(self) -> Path:
        return self.audit_anchor_dir or self.data_dir / "anchors"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tvp.db'}"

    @property
    def resolved_evidence_dir(self) -> Path:
        return self.evidence_dir or self.data_dir / "evidence"

    @property
    def resolved_footage_dir(self) -> Path:
        return self.footage_dir or self.data_dir / "footage"

    @property
    def resolved_csca_dir(self) -> Path:
        return self.identity_csca_dir or self.data_dir / "csca"

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir or default_models_dir()

    @property
    def resolved_jwks_url(self) -> str:
        return self.idp_jwks_url or f"{self.idp_issuer.rstrip('/')}/jwks"

    @property
    def uses_stub_broker(self) -> bool:
        return self.broker_url.startswith("stub:")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and CLI options change the environment)."""
    get_settings.cache_clear()
