"""Pure ASGI guards that run before routing: what the router would otherwise get wrong."""

from __future__ import annotations

import logging
import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import UNHANDLED, BodyTooLarge, HTTPProblem, problem_response

__all__ = ["BodyLimit", "HeadAsGet", "PathGuard", "Unhandled"]

log = logging.getLogger("api.errors")

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


class Unhandled:
    """Any exception no handler took becomes a JSON 500 (never a traceback), logged here. It is
    not re-raised, as Starlette's own 500 handler does, so the server keeps the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unhandled error", extra={"method": scope.get("method"), "path": scope.get("path")})
            if started:  # too late for a status: let the server drop the connection
                raise
            await JSONResponse(UNHANDLED, status_code=500)(scope, receive, send)


class HeadAsGet:
    """HEAD is answered as GET without the body (FastAPI's GET routes would say 405): the
    status and headers, Content-Length included, are the GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        scope["method"] = "GET"
        done = False

        async def bodiless(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.body":
                if done:
                    return
                done = not message.get("more_body", False)
                message = {"type": "http.response.body", "body": b"", "more_body": not done}
            await send(message)

        await self.app(scope, receive, bodiless)


class BodyLimit:
    """Bodies are counted as they arrive, chunked ones included, and never read past their
    limit: uploads (`POST /documents`) have `upload`, every other route `other` (the `/ask`
    limit). A declared length over the limit is refused before reading; a stream that passes
    it raises `BodyTooLarge` from `receive`, answered 413 with the connection closed, so the
    rest is never read, buffered or spooled to a temp file."""

    def __init__(self, app: ASGIApp, upload: int, other: int) -> None:
        self.app, self.upload, self.other = app, upload, other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, root = scope.get("path", ""), scope.get("root_path", "")
        path = path[len(root) :] if root and path.startswith(root) else path
        is_upload = scope.get("method") == "POST" and path == "/documents"
        limit, what = (self.upload, "upload") if is_upload else (self.other, "request body")
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            problem = HTTPProblem(413, "TooLarge", f"the {what} is larger than the limit of {limit} bytes")
            await problem_response(problem, close=True)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, what)
            return message

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge as exc:  # raised where no handler saw it (a route reading in a task)
            if started:
                raise
            problem = HTTPProblem(413, "TooLarge", str(exc.detail))
            await problem_response(problem, close=True)(scope, receive, send)
