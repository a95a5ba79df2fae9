"""`/mcp`: the MCP server as a route of the HTTP app (streamable HTTP, stateless, JSON
responses), behind the app's middleware and the API key's read rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI
from mcp.server import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from rag.errors import RagError
from rag.library import Library
from rag.settings import Settings

from .errors import HTTPProblem
from .mcpserver import build
from .security import KeyedRoute, require_reader

__all__ = ["Endpoint", "mount"]


class Endpoint:
    """The ASGI endpoint of `/mcp`. Each run of the app's lifespan (`run()`) starts a fresh SDK
    session manager, which can run only once; between runs requests get a 503."""

    def __init__(self, server: MCPServer, settings: Settings, path: str) -> None:
        self.server, self.settings, self.path = server, settings, path
        self.route = KeyedRoute(path, endpoint=self, need="read")  # every tool is a read
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        self.server.streamable_http_app(  # builds a new manager each time
            streamable_http_path=self.path,
            stateless_http=True,
            json_response=True,
            host=self.settings.host,
            transport_security=_security(self.settings),
        )
        manager = self.server.session_manager
        async with manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # as FastAPI's routes set it: the metrics label requests by it
        try:
            await require_reader(Request(scope))  # the Gate checked already; kept for apps without it
            if self._manager is None:
                raise HTTPProblem(503, "NotReady", "the MCP endpoint is not running")
        except HTTPProblem as exc:
            body = {"error": exc.kind, "detail": exc.detail}
            await JSONResponse(body, status_code=exc.status, headers=exc.headers)(scope, receive, send)
            return
        await self._manager.handle_request(scope, receive, send)


def _security(settings: Settings) -> TransportSecuritySettings | None:
    """The SDK's DNS-rebinding guard (on for a loopback host) must also let the public host
    in when the server sits behind a proxy."""
    if not settings.public_url:
        return None
    url = urlsplit(settings.public_url)
    loopback = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[url.netloc, *loopback],
        allowed_origins=[f"{url.scheme}://{url.netloc}", *(f"http://{h}" for h in loopback)],
    )


def mount(app: FastAPI, settings: Settings, path: str = "/mcp") -> Endpoint:
    """Add `path` to `app`; the app's lifespan must enter `Endpoint.run()`."""

    def library() -> Library:
        lib = getattr(app.state, "library", None)
        if lib is None:
            raise RagError(getattr(app.state, "not_ready", None) or "the index is still loading")
        return lib

    endpoint = Endpoint(build(library, settings), settings, path)
    app.router.routes.append(endpoint.route)
    return endpoint
