from __future__ import annotations

from fastapi import APIRouter, Request, Response

from rag.errors import Damaged

from ..deps import LibraryDep, not_ready_reason
from ..errors import HTTPProblem
from ..schemas import ReadyOut, problems
from ..security import ReaderDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers (on the event loop: it never waits for a pool thread)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses=problems(401, 503))
def readyz(request: Request, _: ReaderDep) -> ReadyOut:
    """Readiness: the index of the latest generation is loaded and searchable."""
    lib = getattr(request.app.state, "library", None)
    if lib is None:
        raise HTTPProblem(503, "NotReady", not_ready_reason(request))
    try:
        return ReadyOut.model_validate(lib.status())
    except Damaged as exc:
        raise HTTPProblem(503, "NotReady", str(exc)) from None


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, lib: LibraryDep, _: ReaderDep) -> Response:
    return Response(request.app.state.metrics.render(), media_type="text/plain; version=0.0.4")
