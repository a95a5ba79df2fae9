"""The question index: the questions that were asked, searched or browsed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import LibraryDep, SettingsDep
from ..errors import HTTPProblem
from ..schemas import ErrorBody, QuestionOut, QuestionsOut
from ..security import ReaderDep

router = APIRouter(tags=["questions"])


@router.get("/questions", response_model=QuestionsOut, responses={400: {"model": ErrorBody}})
def questions(
    lib: LibraryDep,
    settings: SettingsDep,
    _: ReaderDep,
    q: Annotated[str | None, Query(description="Find questions like this; empty: browse by date.")] = None,
    speaker: Annotated[list[str] | None, Query(description="Asked by (a person or a label).")] = None,
    document: Annotated[list[str] | None, Query(description="In these documents.")] = None,
    date_from: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    kind: Annotated[list[str] | None, Query(description="Document kinds.")] = None,
    tag: Annotated[list[str] | None, Query(description="Document tags.")] = None,
    k: Annotated[int, Query(ge=1)] = 10,
) -> QuestionsOut:
    """Each question with who asked it, where, when, and the start of its answer."""
    if q is not None and len(q) > settings.max_question_chars:
        raise HTTPProblem(
            422, "QuestionTooLong", f"q is longer than {settings.max_question_chars} characters"
        )
    if k > settings.max_k:
        raise HTTPProblem(422, "KTooLarge", f"k must be at most {settings.max_k}")
    for name, items in (("speaker", speaker), ("document", document), ("kind", kind), ("tag", tag)):
        if items is not None and len(items) > settings.max_filter_items:
            raise HTTPProblem(
                422, "TooManyFilters", f"{name} may be given at most {settings.max_filter_items} times"
            )
    found = lib.questions(
        q,
        k,
        documents=document or None,
        speakers=speaker or None,
        date_from=date_from or None,
        date_to=date_to or None,
        kinds=kind or None,
        tags=tag or None,
    )
    return QuestionsOut(questions=[QuestionOut.model_validate(x) for x in found])
