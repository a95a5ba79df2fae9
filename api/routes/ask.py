from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from rag import exports
from rag.library import Library
from rag.model import Answer
from rag.settings import Settings

from ..deps import LibraryDep, SettingsDep
from ..errors import HTTPProblem
from ..schemas import AskRequest, AskResponse, problems
from ..security import ReaderDep

router = APIRouter(tags=["ask"])


def _check_text(where: str, text: str) -> None:
    """JSON can carry a lone surrogate (`"\\ud800"`), which no UTF-8 text can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise HTTPProblem(
            400, "InvalidText", f"{where} has an unpaired surrogate at character {exc.start}"
        ) from None


_EXPORTS = {e.media_type: e for e in exports.FORMATS.values() if e.name != "json"}
_EXPORT_DOCS: dict[int | str, dict[str, Any]] = {
    200: {"content": {t: {"schema": {"type": "string"}} for t in _EXPORTS}, "description": "The answer"}
}


def _wanted(accept: str) -> exports.Export | None:
    """The export an `Accept` header prefers (highest q, then first listed); None: JSON."""
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(accept.split(",")):
        kind, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and kind:
            ranked.append((-q, i, kind.lower()))
    for _, _, kind in sorted(ranked):
        if kind in _EXPORTS:
            return _EXPORTS[kind]
        if kind in ("application/json", "*/*", "application/*"):
            return None
    return None


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={**problems(400, 401, 413, 422, 429, 503), **_EXPORT_DOCS},
)
async def ask(
    body: AskRequest, request: Request, lib: LibraryDep, settings: SettingsDep, _: ReaderDep
) -> Response:
    """The passages that best answer a question, quoted exactly, with the questions they answered.

    `Accept: text/csv`, `text/markdown` or `application/x-research-info-systems` gets the answer
    as a CSV table, a Markdown quote sheet or RIS records; anything else, JSON."""
    # checked here, on the event loop (bounded by the body limit); the question and its
    # rendering then take one pool thread, where a plain route's return value would take
    # a second one for FastAPI to validate it against `AskResponse`
    _check_request(body, settings)
    return await run_in_threadpool(_answer, lib, body, request.headers.get("accept", ""))


def _check_request(body: AskRequest, settings: Settings) -> None:
    """The limits the schema cannot say: lengths from the settings, text UTF-8 can hold."""
    if len(body.question) > settings.max_question_chars:
        raise HTTPProblem(
            422, "QuestionTooLong", f"the question is longer than {settings.max_question_chars} characters"
        )
    if body.k > settings.max_k:
        raise HTTPProblem(422, "KTooLarge", f"k must be at most {settings.max_k}")
    _check_text("question", body.question)
    lists = (
        ("documents", body.documents),
        ("speakers", body.speakers),
        ("kinds", body.kinds),
        ("tags", body.tags),
    )
    for name, items in lists:
        if items is None:
            continue
        if not items:
            raise HTTPProblem(
                422,
                "EmptyFilter",
                f"{name} is empty, so nothing could match: leave it out to search everything",
            )
        if len(items) > settings.max_filter_items:
            raise HTTPProblem(
                422, "TooManyFilters", f"{name} may list at most {settings.max_filter_items} items"
            )
        for i, item in enumerate(items):
            _check_text(f"{name}[{i}]", item)


def _answer(lib: Library, body: AskRequest, accept: str) -> Response:
    """Ask, and render the answer as the `Accept` header prefers."""
    answer = lib.ask(
        body.question,
        k=body.k,
        documents=body.documents,
        speakers=body.speakers,
        mode=body.mode,
        date_from=body.date_from,
        date_to=body.date_to,
        kinds=body.kinds,
        tags=body.tags,
        group_by=body.group_by,
    )
    export = _wanted(accept)
    if export is not None:
        return Response(
            export.render(answer),
            media_type=export.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="answer{export.suffix}"',
                "X-Answerable": "true" if answer.answerable else "false",
            },
        )
    return _json(answer, grouped=body.group_by is not None)


def _json(answer: Answer, *, grouped: bool) -> Response:
    """The JSON FastAPI would write for `AskResponse` (pydantic's, by alias), written here."""
    out = AskResponse.of(answer, grouped=grouped)
    return Response(out.model_dump_json(by_alias=True), media_type="application/json")
