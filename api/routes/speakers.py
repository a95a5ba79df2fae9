"""People: who speaks in the library, under which labels; the user's aliases."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from rag.library import Library

from ..deps import LibraryDep, SettingsDep, WritesDep
from ..errors import HTTPProblem
from ..schemas import PathId, SpeakerIn, SpeakerOut, SpeakersOut, problems
from ..security import ReaderDep, WriterDep

router = APIRouter(tags=["speakers"])


@router.get("/speakers", response_model=SpeakersOut, responses=problems(401, 503))
def list_speakers(lib: LibraryDep, _: ReaderDep) -> SpeakersOut:
    """Everyone who speaks, by name, with the labels that name them in the documents."""
    return SpeakersOut(speakers=[SpeakerOut.model_validate(p) for p in lib.speakers()])


def _alias(lib: Library, name: str, body: SpeakerIn) -> None:
    for alias in body.aliases:
        lib.alias(alias, name, document=body.document)


@router.put(
    "/speakers/{name:path}",
    response_model=SpeakerOut,
    responses=problems(400, 401, 403, 404, 413, 422, 503),
)
async def put_speaker(
    name: PathId, body: SpeakerIn, lib: LibraryDep, settings: SettingsDep, writes: WritesDep, _: WriterDep
) -> SpeakerOut:
    """Say that these labels name this person (in one document, or in every one, also those
    added later); the `speakers` filter of `/ask` then finds them under any of them."""
    if len(body.aliases) > 100:
        raise HTTPProblem(422, "TooManyAliases", "at most 100 aliases at once")
    await writes.run(lambda: _alias(lib, name, body), settings.write_wait)
    wanted = " ".join(name.split())
    person = next((p for p in await run_in_threadpool(lib.speakers) if p.name == wanted), None)
    if person is None:  # no label matched yet: the alias waits for a document that has it
        return SpeakerOut(name=wanted, aliases=list(body.aliases), documents=0, turns=0, roles=[])
    return SpeakerOut.model_validate(person)
