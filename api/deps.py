"""Dependencies: what the app was built with, injected into routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from rag.library import Library
from rag.settings import Settings

from .collections import DEFAULT
from .errors import HTTPProblem
from .jobs import Jobs
from .security import route_need
from .writes import WriteQueue


def collection_name(request: Request) -> str | None:
    """The collection of a `/collections/{collection}/…` route; None on today's routes."""
    return request.path_params.get("collection")


def collection_param(
    collection: Annotated[str, Path(description="A collection: a folder under the server's root.")],
) -> None:
    """Names the prefix's parameter in the schema; `get_library` resolves it."""


def get_library(request: Request) -> Library:
    """The default library, or the collection's: the Gate has already answered 404 to a key
    that may not see it; a POST that writes creates a new collection."""
    name = collection_name(request)
    if name is not None and name != DEFAULT:
        route = request.scope.get("route")
        creates = request.method == "POST" and route is not None and route_need(route) == "write"
        return request.app.state.collections.get(name, create=creates)
    lib = getattr(request.app.state, "library", None)
    if lib is None:
        raise HTTPProblem(503, "NotReady", not_ready_reason(request))
    return lib


def not_ready_reason(request: Request) -> str:
    return getattr(request.app.state, "not_ready", None) or "the index is still loading"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_jobs(request: Request) -> Jobs:
    return request.app.state.jobs


def get_writes(request: Request) -> WriteQueue:
    return request.app.state.writes


LibraryDep = Annotated[Library, Depends(get_library)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]
WritesDep = Annotated[WriteQueue, Depends(get_writes)]
