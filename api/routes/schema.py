"""The OpenAPI schema and, when `RAG_DOCS=true`, Swagger UI: reads like any other (the key
when reads are protected). The docs page loads Swagger UI from a CDN, hence off by default."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from ..security import ReaderDep

__all__ = ["docs_router", "router"]

router = APIRouter(include_in_schema=False)
docs_router = APIRouter(include_in_schema=False)


@router.get("/openapi.json")
def openapi(request: Request, _: ReaderDep) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@docs_router.get("/docs")
def docs(request: Request, _: ReaderDep) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} - docs")
