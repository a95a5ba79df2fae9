"""The API key check: writes always need it when one is configured, reads when asked to."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from .deps import SettingsDep
from .errors import HTTPProblem

__all__ = ["ReaderDep", "WriterDep", "require_reader_but_liveness"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _check(request: Request, expected: str) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise HTTPProblem(
            401, "Unauthorized", "this server needs an API key: send Authorization: Bearer <key>", _CHALLENGE
        )
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise HTTPProblem(401, "Unauthorized", "the API key is wrong", _CHALLENGE)


def require_writer(request: Request, settings: SettingsDep) -> None:
    if settings.api_key is not None:
        _check(request, settings.api_key.get_secret_value())


def require_reader(request: Request, settings: SettingsDep) -> None:
    if settings.api_key is not None and settings.protect_reads:
        _check(request, settings.api_key.get_secret_value())


def require_reader_but_liveness(request: Request, settings: SettingsDep) -> None:
    """For the health routes: `/healthz` stays open to probes, readiness and metrics are reads."""
    if request.url.path != "/healthz":
        require_reader(request, settings)


WriterDep = Annotated[None, Depends(require_writer)]
ReaderDep = Annotated[None, Depends(require_reader)]
