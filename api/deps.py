"""Dependencies: what the app was built with, injected into routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.library import Library
from rag.settings import Settings

from .errors import HTTPProblem
from .jobs import Jobs
from .writes import WriteQueue


def get_library(request: Request) -> Library:
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
