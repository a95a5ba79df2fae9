"""The OpenAPI schema and, when `RAG_DOCS=true`, Swagger UI: reads like any other (the key
when reads are protected). The docs page loads Swagger UI from a CDN, hence off by default."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse

from rag.settings import Settings

from ..security import ReaderDep

__all__ = ["docs_router", "router", "with_limits"]

router = APIRouter(include_in_schema=False)
docs_router = APIRouter(include_in_schema=False)


def with_limits(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """FastAPI's schema with this server's limits written in (they are settings, so the
    models cannot carry them): the question's length, `k`, and the filters' sizes."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        ask = schema["components"]["schemas"]["AskRequest"]["properties"]
        ask["question"]["maxLength"] = settings.max_question_chars
        ask["k"]["maximum"] = settings.max_k
        for name in ("documents", "speakers", "kinds", "tags"):
            ask[name]["maxItems"] = settings.max_filter_items
        app.openapi_schema = schema
    return app.openapi_schema


@router.get("/openapi.json")
def openapi(request: Request, _: ReaderDep) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@docs_router.get("/docs")
def docs(request: Request, _: ReaderDep) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} - docs")
