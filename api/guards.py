"""Pure ASGI guards that run before routing: what the router would otherwise get wrong."""

from __future__ import annotations

import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["PathGuard"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class PathGuard:
    """Refuses a path with a control character (400). The router's `$` matches before a final
    newline, so `/documents/victim%0A` would otherwise reach the route as `victim`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _CONTROL.search(scope.get("path", "")):
            body = {"error": "InvalidPath", "detail": "the path contains a control character"}
            await JSONResponse(body, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)
