"""`tvp gateway vnpay-sandbox`: the in-repo VNPay sandbox as its own HTTP service (the demo's gateway)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

gateway_app = typer.Typer(help="Payment gateway stand-ins.", no_args_is_help=True)
GROUPS = {"gateway": gateway_app}
out = Console(soft_wrap=True)


@gateway_app.command("vnpay-sandbox")
def vnpay_sandbox(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8200,
    ipn_url: Annotated[
        str, typer.Option(help="The merchant's IPN URL (VNPay configures it per terminal)")
    ] = "http://127.0.0.1:8000/api/payments/vnpay/ipn",
) -> None:
    """Payment page, signed return and IPN, querydr and refund; the terminal code and hash secret are
    TVP_VNPAY_TMN_CODE and TVP_VNPAY_HASH_SECRET (in dev, generated once per data dir like tvp's)."""
    import uvicorn

    from core.cli import _settings_or_exit
    from payments.vnpay_sandbox import create_sandbox_app

    settings = _settings_or_exit()
    app = create_sandbox_app(settings.vnpay_tmn_code, settings.vnpay_hash_secret, ipn_url)
    out.print(f"VNPay sandbox on http://{host}:{port} (terminal {settings.vnpay_tmn_code}, IPN → {ipn_url})")
    uvicorn.run(app, host=host, port=port, log_level="info")
