"""Who may do what: writes need a write key when any key is configured, reads need a key when
`RAG_PROTECT_READS` is set. The `Gate` decides before a body is read, from the route's own
`ReaderDep`/`WriterDep`; the dependencies check again in the route, so neither can drift."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from rag.settings import Settings

from .collections import DEFAULT, missing, split, visible
from .errors import HTTPProblem, problem_response
from .keys import ApiKey, KeyRing
from .keys import Scope as Need
from .ratelimit import RateLimiter, retry_after

__all__ = ["CallerDep", "Gate", "ReaderDep", "WriterDep", "authorize"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
RATE_LIMITED = {("POST", "/ask"), ("POST", "/documents")}  # (method, route path): the costly ones


def _given(authorization: str) -> str | None:
    scheme, _, given = authorization.partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


def authorize(ring: KeyRing, protect_reads: bool, authorization: str, need: Need) -> ApiKey | None:
    """The key a request may act with (None: no key, and none needed), or an HTTPProblem:
    401 without a key or with a wrong one, 403 for a read key on a write."""
    given = _given(authorization)
    key = ring.find(given) if given is not None else None
    if not ring or (need == "read" and not protect_reads):
        return key  # open: a right key still names the caller, a wrong one is ignored
    if given is None:
        raise HTTPProblem(
            401, "Unauthorized", "this server needs an API key: send Authorization: Bearer <key>", _CHALLENGE
        )
    if key is None:
        raise HTTPProblem(401, "Unauthorized", "the API key is wrong", _CHALLENGE)
    if not key.allows(need):
        raise HTTPProblem(403, "Forbidden", f"the API key {key.name!r} may only {key.scope}")
    return key


def _check(request: Request, need: Need) -> None:
    state = request.app.state
    authorize(state.keys, state.settings.protect_reads, request.headers.get("authorization", ""), need)


# The dependencies are coroutines, so that FastAPI calls them on the event loop rather than
# on a pool thread: a key check is a digest and a dictionary look-up.
async def require_writer(request: Request) -> None:
    _check(request, "write")


async def require_reader(request: Request) -> None:
    _check(request, "read")


async def caller(request: Request) -> ApiKey | None:
    """The key a read is made with (None: none given, or none needed)."""
    state, given = request.app.state, request.headers.get("authorization", "")
    return authorize(state.keys, state.settings.protect_reads, given, "read")


CallerDep = Annotated[ApiKey | None, Depends(caller)]
WriterDep = Annotated[None, Depends(require_writer)]
ReaderDep = Annotated[None, Depends(require_reader)]
_NEEDS = {require_writer: "write", require_reader: "read"}


def _calls(dependant: Dependant) -> Iterable[object]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


class KeyedRoute(Route):
    """A plain Starlette route (an ASGI endpoint, no FastAPI dependencies) that says what key
    it needs, so the `Gate` checks it before any body like the others."""

    def __init__(self, path: str, endpoint: Callable[..., Any], need: Need) -> None:
        super().__init__(path, endpoint=endpoint)
        self.need = need


def route_need(route: BaseRoute) -> Need | None:
    """What a route's dependencies ask for: write over read; None for an open route."""
    if isinstance(route, KeyedRoute):
        return route.need
    dependant = getattr(route, "dependant", None)
    needs = {_NEEDS[c] for c in _calls(dependant) if c in _NEEDS} if dependant else set()
    return "write" if "write" in needs else "read" if needs else None


class Gate:
    """Pure ASGI, before routing and before any body is read: finds the route (in `routes`,
    as the routers declare them), checks the key it needs, applies the rate limits, and names
    the key for the access log (`scope["state"]["api_key"]`). A refusal closes the connection
    if a body was coming, so the server reads none of it. It answers a 405 too, with every
    method of the path in `Allow`."""

    def __init__(
        self,
        app: ASGIApp,
        routes: list[BaseRoute],
        scoped: list[BaseRoute],
        keys: KeyRing,
        settings: Settings,
    ) -> None:
        self.app, self.routes, self.scoped, self.keys = app, routes, scoped, keys
        self.protect_reads = settings.protect_reads
        self.per_key = self._limiter(settings.rate_limit_per_key, settings.rate_limit_burst)
        self.per_address = self._limiter(settings.rate_limit_per_address, settings.rate_limit_burst)
        self._needs: dict[int, tuple[str, Need | None]] = {}

    @staticmethod
    def _limiter(per_minute: float | None, burst: int) -> RateLimiter | None:
        return RateLimiter(per_minute, burst) if per_minute else None

    def _route(self, scope: Scope) -> tuple[str, Need | None, str | None] | set[str] | None:
        """The route's path, need and collection; or, when only other methods match, the
        methods the path allows (the router's own 405 would name just the first route's)."""
        allowed: set[str] = set()
        collection, rest = split(scope["path"])
        routes = self.routes
        if collection is not None:  # /collections/{name}/…: today's route under the prefix
            scope, routes = {**scope, "path": rest}, self.scoped
        for route in routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                if id(route) not in self._needs:
                    self._needs[id(route)] = (getattr(route, "path", ""), route_need(route))
                if collection is None and route in self.scoped:
                    collection = DEFAULT  # today's route: the default collection's data
                return (*self._needs[id(route)], collection)
            if match is Match.PARTIAL:
                allowed |= getattr(route, "methods", None) or set()
        return allowed or None  # None: no route, the router answers 404 without reading a body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self._route(scope)
        if isinstance(found, set):
            allow = ", ".join(sorted(found | ({"HEAD"} if "GET" in found else set())))
            problem = HTTPProblem(405, "MethodNotAllowed", "Method Not Allowed", {"Allow": allow})
            await problem_response(problem, close=_has_body(scope))(scope, receive, send)
            return
        if found is not None:
            path, need, collection = found
            try:
                key = None
                if need is not None:
                    key = authorize(self.keys, self.protect_reads, _header(scope, b"authorization"), need)
                    if collection is not None and not visible(key, collection):
                        raise missing(collection)
                self._limit(scope, path, key)
            except HTTPProblem as exc:
                await problem_response(exc, close=_has_body(scope))(scope, receive, send)
                return
            if key is not None:
                scope.setdefault("state", {})["api_key"] = key.name
        await self.app(scope, receive, send)

    def _limit(self, scope: Scope, path: str, key: ApiKey | None) -> None:
        if (scope["method"], path) not in RATE_LIMITED:
            return
        taken: list[tuple[RateLimiter, str]] = []
        address = (scope.get("client") or ("unknown",))[0]
        for limiter, name in ((self.per_key, key.name if key else None), (self.per_address, address)):
            if limiter is None or name is None:
                continue
            wait = limiter.wait(name)
            if wait:
                for done, done_name in taken:
                    done.refund(done_name)
                whose = "this key" if limiter is self.per_key else "this address"
                raise HTTPProblem(
                    429,
                    "TooManyRequests",
                    f"too many requests from {whose}: try again in {retry_after(wait)} s",
                    {"Retry-After": retry_after(wait)},
                )
            taken.append((limiter, name))


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return bool(_header(scope, b"transfer-encoding")) or (length.isdigit() and int(length) > 0)
