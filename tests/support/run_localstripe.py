"""Run localstripe (GPL, a test-only Stripe stand-in) on 127.0.0.1:PORT.

Usage: `python -m tests.support.run_localstripe PORT`.

localstripe's own start() binds every interface ('::'); this binds loopback only. Test-only shims:
no pickle in /tmp (parallel runs would share it), the test suite's clock (TVP_TEST_CLOCK), and the
``created[gte|gt|lt|lte]`` filter on /v1/balance_transactions that real Stripe has and localstripe lacks.
"""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web

from core.time import follow_test_clock

follow_test_clock()  # webhooks are signed with this process's time: the same clock as the tests'

from localstripe import resources, server  # noqa: E402

resources.Store.dump_to_disk = lambda self: None

BOUNDS = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__}


@web.middleware
async def balance_created_filter(request: web.Request, handler: Any) -> web.StreamResponse:
    query = request.query
    if request.path != "/v1/balance_transactions" or not any(k.startswith("created[") for k in query):
        return await handler(request)
    data = server.unflatten_data(query)
    created: dict[str, str] = data.pop("created")
    listing = resources.BalanceTransaction._api_list_all(
        request.path, limit=data.get("limit"), starting_after=data.get("starting_after")
    )
    listing._list = [
        txn for txn in listing._list if all(BOUNDS[op](txn.created, int(v)) for op, v in created.items())
    ]
    return server.json_response(listing._export(expand=data.get("expand")))


def main() -> None:
    server.app.middlewares.append(balance_created_filter)
    web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
