"""`GET /collections`: the collections the caller's key may see, and nothing of the others."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ..collections import Collections, visible
from ..schemas import problems
from ..security import CallerDep, ReaderDep

router = APIRouter(tags=["collections"])


class CollectionsOut(BaseModel):
    collections: list[str] = Field(description="Names, `default` (today's routes) included when visible.")


@router.get("/collections", response_model=CollectionsOut, responses=problems(401))
def list_collections(request: Request, key: CallerDep, _: ReaderDep) -> CollectionsOut:
    """Each name serves the API under `/collections/{name}/…` and the page under `/collections/{name}/`."""
    collections: Collections = request.app.state.collections
    return CollectionsOut(collections=[n for n in collections.names() if visible(key, n)])
