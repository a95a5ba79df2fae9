from __future__ import annotations

from fastapi import APIRouter

from ..deps import LibraryDep, SettingsDep
from ..errors import HTTPProblem
from ..schemas import AskRequest, AskResponse, ErrorBody
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


@router.post(
    "/ask", response_model=AskResponse, responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}}
)
def ask(body: AskRequest, lib: LibraryDep, settings: SettingsDep, _: ReaderDep) -> AskResponse:
    """The passages that best answer a question, quoted exactly, with the questions they answered."""
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
    out = AskResponse.model_validate(answer)
    if body.group_by is None:
        out.groups = None
    return out
