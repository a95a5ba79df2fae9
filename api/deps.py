"""Dependencies: the library and settings the app was built with, injected into routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from rag.library import Library
from rag.settings import Settings


def get_library(request: Request) -> Library:
    return request.app.state.library


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


LibraryDep = Annotated[Library, Depends(get_library)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
