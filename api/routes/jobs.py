from __future__ import annotations

from fastapi import APIRouter, Response

from rag.jobstore import Job
from rag.library import Library

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
        raise HTTPProblem(
            404, "NotFound", f"no job with id {job_id!r} (the last {jobs.max_kept} finished jobs are kept)"
        )
    return JobOut.model_validate(job)


def run_reindex(lib: Library, job: Job, data: bytes | None, progress: Progress) -> dict[str, object]:
    """A reindex job: every chunk re-embedded with the server's model (safe to run again)."""
    count = lib.reindex(progress=lambda done, total: progress("embedding", done, total, "embedding chunks"))
    return {"chunks": count, "generation": lib.generation}


@router.post("/reindex", response_model=JobOut, status_code=202, responses=problems(401, 403, 503))
def reindex(response: Response, lib: LibraryDep, jobs: JobsDep, _: WriterDep) -> JobOut:
    """Re-embed every chunk with the server's model, in the background; poll the job."""
    return accepted(response, jobs.submit("reindex"))
