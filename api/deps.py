"""Dependencies: what the app was built with, injected into routes. They are coroutines:
FastAPI runs a plain function dependency on a pool thread, a hop (and a wait for a thread)
per dependency per request for what is only an attribute read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

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


async def collection_param(
    collection: Annotated[str, Path(description="A collection: a folder under the server's root.")],
) -> None:
    """Names the prefix's parameter in the schema; `get_library` resolves it."""


async def get_library(request: Request) -> Library:
    """The default library, or the collection's: the Gate has already answered 404 to a key
    that may not see it; a POST that writes creates a new collection. Opening one reads its
    files, so that is done on a pool thread, once."""
    name = collection_name(request)
    if name is not None and name != DEFAULT:
        route = request.scope.get("route")
        creates = request.method == "POST" and route is not None and route_need(route) == "write"
        collections = request.app.state.collections
        lib = collections.opened(name)
        return lib if lib is not None else await run_in_threadpool(collections.get, name, create=creates)
    lib = getattr(request.app.state, "library", None)
    if lib is None:
        raise HTTPProblem(503, "NotReady", not_ready_reason(request))
    return lib


def not_ready_reason(request: Request) -> str:
    return getattr(request.app.state, "not_ready", None) or "the index is still loading"


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_jobs(request: Request) -> Jobs:
    return request.app.state.jobs


async def get_writes(request: Request) -> WriteQueue:
    return request.app.state.writes


LibraryDep = Annotated[Library, Depends(get_library)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]
WritesDep = Annotated[WriteQueue, Depends(get_writes)]
