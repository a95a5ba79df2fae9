"""The question index: the questions that were asked, searched or browsed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..deps import LibraryDep, SettingsDep
from ..errors import HTTPProblem
from ..schemas import QuestionOut, QuestionsOut, problems
from ..security import ReaderDep

router = APIRouter(tags=["questions"])


@router.get("/questions", response_model=QuestionsOut, responses=problems(400, 401, 422, 503))
def questions(
    lib: LibraryDep,
    settings: SettingsDep,
    _: ReaderDep,
    # plain strings and lists in the schema (never null): a query string has no null to send
    q: Annotated[str, Query(description="Find questions like this; empty: browse by date.")] = "",
    speaker: Annotated[list[str], Query(description="Asked by (a person or a label).")] = [],  # noqa: B006
    document: Annotated[list[str], Query(description="In these documents.")] = [],  # noqa: B006
    date_from: Annotated[str, Query(description="YYYY-MM-DD")] = "",
    date_to: Annotated[str, Query(description="YYYY-MM-DD")] = "",
    kind: Annotated[list[str], Query(description="Document kinds.")] = [],  # noqa: B006
    tag: Annotated[list[str], Query(description="Document tags.")] = [],  # noqa: B006
    k: Annotated[int, Query(ge=1)] = 10,
) -> QuestionsOut:
    """Each question with who asked it, where, when, and the start of its answer."""
    if len(q) > settings.max_question_chars:
        raise HTTPProblem(
            422, "QuestionTooLong", f"q is longer than {settings.max_question_chars} characters"
        )
    if k > settings.max_k:
        raise HTTPProblem(422, "KTooLarge", f"k must be at most {settings.max_k}")
    for name, items in (("speaker", speaker), ("document", document), ("kind", kind), ("tag", tag)):
        if len(items) > settings.max_filter_items:
            raise HTTPProblem(
                422, "TooManyFilters", f"{name} may be given at most {settings.max_filter_items} times"
            )
    found = lib.questions(
        q or None,
        k,
        documents=document or None,
        speakers=speaker or None,
        date_from=date_from or None,
        date_to=date_to or None,
        kinds=kind or None,
        tags=tag or None,
    )
    return QuestionsOut(questions=[QuestionOut.model_validate(x) for x in found])
