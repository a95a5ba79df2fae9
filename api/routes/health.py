from __future__ import annotations

from fastapi import APIRouter

from ..deps import LibraryDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(lib: LibraryDep) -> dict[str, object]:
    """Liveness, with what is loaded."""
    return {"status": "ok", "generation": lib.generation, "documents": len(lib.documents())}
