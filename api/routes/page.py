"""The web page: one static HTML file for `/`, `/manage` and `/view/{id}`; the script routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


def _page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/")
def home() -> FileResponse:
    return _page()


@router.get("/manage")
def manage() -> FileResponse:
    return _page()


@router.get("/asked")
def asked() -> FileResponse:
    return _page()


@router.get("/view/{document_id:path}")
def view(document_id: str) -> FileResponse:
    return _page()
