"""Core errors to HTTP responses, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from embeddings import ModelError
from rag.errors import Busy, IndexMismatch, InvalidInput, NotFound, RagError

__all__ = ["STATUS", "HTTPProblem", "install"]

STATUS: dict[type[Exception], int] = {
    InvalidInput: 400,
    NotFound: 404,
    IndexMismatch: 409,
    Busy: 503,
    ModelError: 503,
}


class HTTPProblem(Exception):
    """An edge-only error (wrong content type, oversize body) with its status."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail


def _status(exc: Exception) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def install(app: FastAPI) -> None:
    async def on_rag_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            status_code=_status(exc), content={"error": type(exc).__name__, "detail": str(exc)}
        )

    async def on_problem(request: Request, exc: HTTPProblem) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content={"error": exc.kind, "detail": exc.detail})

    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        first = problems[0] if problems else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        return JSONResponse(
            status_code=422,
            content={
                "error": "InvalidRequest",
                "detail": f"{where}: {first.get('msg', 'invalid request')}",
                "errors": jsonable_encoder(problems, exclude={"ctx", "input", "url"}),
            },
        )

    app.add_exception_handler(RequestValidationError, on_invalid)  # type: ignore[arg-type]
    app.add_exception_handler(RagError, on_rag_error)
    app.add_exception_handler(ModelError, on_rag_error)
    app.add_exception_handler(HTTPProblem, on_problem)  # type: ignore[arg-type]
