from __future__ import annotations

from fastapi import APIRouter

from ..deps import LibraryDep, SettingsDep
from ..errors import HTTPProblem
from ..schemas import AskRequest, AskResponse, ErrorBody
from ..security import ReaderDep

router = APIRouter(tags=["ask"])


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
    for name, items in (("documents", body.documents), ("speakers", body.speakers)):
        if items is not None and len(items) > settings.max_filter_items:
            raise HTTPProblem(
                422, "TooManyFilters", f"{name} may list at most {settings.max_filter_items} items"
            )
    answer = lib.ask(
        body.question, k=body.k, documents=body.documents, speakers=body.speakers, mode=body.mode
    )
    return AskResponse.model_validate(answer)
