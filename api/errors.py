"""Core errors to HTTP responses, in one place."""

from __future__ import annotations

import math
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from embeddings import ModelError
from rag.errors import Busy, Damaged, IndexMismatch, InvalidInput, NotFound, RagError

__all__ = ["STATUS", "UNHANDLED", "BodyTooLarge", "HTTPProblem", "error_body", "install", "problem_response"]

STATUS: dict[type[Exception], int] = {
    InvalidInput: 400,
    NotFound: 404,
    IndexMismatch: 409,
    Busy: 503,
    Damaged: 503,
    ModelError: 503,
}


MAX_LISTED_ERRORS = 20  # validation errors listed in a 422
UNHANDLED = {"error": "InternalServerError", "detail": "an unexpected error; the server log has the details"}


class HTTPProblem(Exception):
    """An edge-only error (wrong content type, oversize body) with its status."""

    def __init__(self, status: int, kind: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail, self.headers = status, kind, detail, headers


class BodyTooLarge(StarletteHTTPException):
    """Raised by the body limit from inside `receive`, so it passes through FastAPI's body
    parsing (which re-raises HTTP exceptions) to its own handler."""

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(413, f"the {what} is larger than the limit of {limit} bytes")


def problem_response(exc: HTTPProblem, *, close: bool = False) -> JSONResponse:
    """The error shape for an edge error. With `close`, the connection is closed after it: the
    request's body (unread, or read only up to a limit) is not read any further."""
    headers = dict(exc.headers or {})
    if close:
        headers["Connection"] = "close"
    body = {"error": exc.kind, "detail": exc.detail}
    return JSONResponse(status_code=exc.status, content=body, headers=headers)


def error_body(exc: Exception) -> dict[str, str]:
    """The JSON body of an error, the same for responses and failed jobs."""
    return {"error": type(exc).__name__, "detail": str(exc)}


def _status(exc: Exception) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def install(app: FastAPI) -> None:
    async def on_rag_error(request: Request, exc: Exception) -> JSONResponse:
        headers = None
        if isinstance(exc, Busy):  # a write waited its bounded time: when to come back
            wait = getattr(request.app.state.settings, "write_wait", 1.0)
            headers = {"Retry-After": str(min(max(1, math.ceil(wait)), 60))}
        return JSONResponse(status_code=_status(exc), content=error_body(exc), headers=headers)

    async def on_problem(request: Request, exc: HTTPProblem) -> JSONResponse:
        return problem_response(exc)

    async def on_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem_response(HTTPProblem(413, "TooLarge", str(exc.detail)), close=True)

    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        detail = f"{where}: {first.get('msg', 'invalid request')}"
        content: dict[str, object] = {"error": "InvalidRequest", "detail": detail}
        if len(problems) > MAX_LISTED_ERRORS:  # a body of 200,000 unknown keys stays a small answer
            content["detail"] = (
                f"{detail} (1 of {len(problems)} problems; the first {MAX_LISTED_ERRORS} listed)"
            )
            content["errors_omitted"] = len(problems) - MAX_LISTED_ERRORS
        content["errors"] = jsonable_encoder(problems[:MAX_LISTED_ERRORS], exclude={"ctx", "input", "url"})
        return JSONResponse(status_code=422, content=content)

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Framework errors (unparsable body, unknown route) in the same shape as ours."""
        kind = HTTPStatus(exc.status_code).phrase.replace(" ", "")
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": kind, "detail": str(exc.detail)},
            headers=getattr(exc, "headers", None),
        )

    async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
        """Anything else: the error shape, never a traceback (the server log has it)."""
        return JSONResponse(status_code=500, content=UNHANDLED)

    app.add_exception_handler(Exception, on_unhandled)  # only what gets past guards.Unhandled
    app.add_exception_handler(StarletteHTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(RagError, on_rag_error)
    app.add_exception_handler(ModelError, on_rag_error)
    app.add_exception_handler(HTTPProblem, on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, on_too_large)  # type: ignore[arg-type]
