"""`tvp demo` starts the embedded VNPay sandbox next to tvp (a thread) when it is the configured gateway,
so that the citizen's pay button works end to end on the embedded default."""

from __future__ import annotations

import threading
from urllib.parse import urlparse

from core.config import Settings


def demo_services(settings: Settings, tvp_url: str) -> str | None:
    """Serve the sandbox where TVP_VNPAY_PAY_URL points (127.0.0.1:8200 by default); its URL, or None
    when another gateway is configured."""
    if settings.payment_gateway != "vnpay-sandbox":
        return None
    import uvicorn

    from payments.vnpay_sandbox import create_sandbox_app

    where = urlparse(settings.vnpay_pay_url)
    app = create_sandbox_app(
        settings.vnpay_tmn_code, settings.vnpay_hash_secret, f"{tvp_url}/api/payments/vnpay/ipn"
    )
    config = uvicorn.Config(
        app, host=where.hostname or "127.0.0.1", port=where.port or 8200, log_level="warning"
    )
    threading.Thread(target=uvicorn.Server(config).run, daemon=True, name="vnpay-sandbox").start()
    return f"{where.scheme}://{where.netloc}"
