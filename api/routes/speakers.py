"""People: who speaks in the library, under which labels; the user's aliases."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import LibraryDep
from ..errors import HTTPProblem
from ..schemas import ErrorBody, SpeakerIn, SpeakerOut, SpeakersOut
from ..security import ReaderDep, WriterDep

router = APIRouter(tags=["speakers"])


@router.get("/speakers", response_model=SpeakersOut)
def list_speakers(lib: LibraryDep, _: ReaderDep) -> SpeakersOut:
    """Everyone who speaks, by name, with the labels that name them in the documents."""
    return SpeakersOut(speakers=[SpeakerOut.model_validate(p) for p in lib.speakers()])


@router.put(
    "/speakers/{name:path}",
    response_model=SpeakerOut,
    responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)
def put_speaker(name: str, body: SpeakerIn, lib: LibraryDep, _: WriterDep) -> SpeakerOut:
    """Say that these labels name this person (in one document, or in every one, also those
    added later); the `speakers` filter of `/ask` then finds them under any of them."""
    if len(body.aliases) > 100:
        raise HTTPProblem(422, "TooManyAliases", "at most 100 aliases at once")
    for alias in body.aliases:
        lib.alias(alias, name, document=body.document)
    wanted = " ".join(name.split())
    person = next((p for p in lib.speakers() if p.name == wanted), None)
    if person is None:  # no label matched yet: the alias waits for a document that has it
        return SpeakerOut(name=wanted, aliases=list(body.aliases), documents=0, turns=0, roles=[])
    return SpeakerOut.model_validate(person)
