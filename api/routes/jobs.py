from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import JobsDep, LibraryDep
from ..errors import HTTPProblem
from ..jobs import Progress
from ..schemas import JobOut, PathId, problems
from ..security import ReaderDep, WriterDep

router = APIRouter(tags=["jobs"])


def accepted(response: Response, job: object) -> JobOut:
    out = JobOut.model_validate(job)
    response.headers["Location"] = f"/jobs/{out.id}"
    return out


@router.get("/jobs/{job_id}", response_model=JobOut, responses=problems(400, 401, 404, 422))
def get_job(job_id: PathId, jobs: JobsDep, _: ReaderDep) -> JobOut:
    """A job's status and progress; its result (or error) once finished."""
    job = jobs.get(job_id)
    if job is None:
        raise HTTPProblem(404, "NotFound", f"no job with id {job_id!r} (finished jobs are kept for a while)")
    return JobOut.model_validate(job)


@router.post("/reindex", response_model=JobOut, status_code=202, responses=problems(401, 403, 503))
def reindex(response: Response, lib: LibraryDep, jobs: JobsDep, _: WriterDep) -> JobOut:
    """Re-embed every chunk with the server's model, in the background; poll the job."""

    def work(progress: Progress) -> dict[str, object]:
        count = lib.reindex(progress=lambda done, total: progress(done, total, "embedding chunks"))
        return {"chunks": count, "generation": lib.generation}

    return accepted(response, jobs.submit("reindex", work))
