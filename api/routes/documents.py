from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from rag.errors import RagError
from rag.ingest import Source, from_bytes, from_text, with_media
from rag.jobstore import Job
from rag.library import Library

from ..deps import JobsDep, LibraryDep, SettingsDep, WritesDep, collection_name
from ..errors import HTTPProblem
from ..jobs import Progress
from ..schemas import (
    AddResponse,
    DocumentIn,
    DocumentOut,
    DocumentSummary,
    JobOut,
    MetadataIn,
    PathId,
    problems,
)
from ..security import ReaderDep, WriterDep
from .jobs import accepted

router = APIRouter(tags=["documents"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "format": {"type": "string"},
                        "media_url": {"type": "string"},
                    },
                }
            },
        },
    }
}


@router.get("/documents", response_model=list[DocumentSummary], responses=problems(401, 503))
def list_documents(lib: LibraryDep, _: ReaderDep) -> list[DocumentSummary]:
    return [DocumentSummary.model_validate(i) for i in lib.documents()]


@router.get(
    "/documents/{document_id:path}", response_model=DocumentOut, responses=problems(400, 401, 404, 422, 503)
)
def get_document(document_id: PathId, lib: LibraryDep, _: ReaderDep) -> DocumentOut:
    doc = lib.document(document_id)
    answers: dict[int, list[int]] = {}
    for t in doc.turns:
        if t.act == "answer" and t.question_index is not None:
            answers.setdefault(t.question_index, []).append(t.index)
    out = DocumentOut.model_validate(doc)
    for turn, core in zip(out.turns, doc.turns, strict=True):
        turn.answers = answers.get(core.index, [])
    return out


@router.patch(
    "/documents/{document_id:path}",
    response_model=DocumentOut,
    responses=problems(400, 401, 403, 404, 413, 422, 503),
)
async def patch_document(
    document_id: PathId,
    body: MetadataIn,
    lib: LibraryDep,
    settings: SettingsDep,
    writes: WritesDep,
    _: WriterDep,
) -> DocumentOut:
    """Change a document's metadata (date, kind, tags, source_url …); kept when it is replaced."""
    await writes.run(lambda: lib.set_metadata(document_id, dict(body.metadata)), settings.write_wait)
    return await run_in_threadpool(get_document, document_id, lib, None)


def _too_large(limit: int) -> HTTPProblem:
    return HTTPProblem(413, "TooLarge", f"the upload is larger than the limit of {limit} bytes")


@dataclass(frozen=True, slots=True)
class _Upload:
    """A document to index: JSON text, or an uploaded file's bytes (text, PDF or DOCX: ingest
    decides by the bytes, so a binary upload is no longer refused as non-UTF-8)."""

    id: str | None
    title: str | None
    format: str | None
    text: str | None = None
    data: bytes | None = None
    name: str = "upload"
    media_url: str | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else len((self.text or "").encode())

    def source(self) -> Source:
        if self.data is not None:
            source = from_bytes(self.data, self.name, id=self.id, title=self.title, format=self.format)
        else:
            source = from_text(self.text or "", id=self.id, title=self.title, format=self.format)
        return with_media(source, self.media_url)

    def spooled(self) -> tuple[dict[str, object], bytes]:
        """What a job keeps of this upload on disk: its fields, and its bytes (text as UTF-8)."""
        fields = {
            "id": self.id,
            "title": self.title,
            "format": self.format,
            "name": self.name,
            "media_url": self.media_url,
        }
        if self.data is not None:
            return {**fields, "text": False}, self.data
        return {**fields, "text": True}, (self.text or "").encode("utf-8", "surrogatepass")

    @classmethod
    def from_spool(cls, fields: dict[str, object], data: bytes) -> _Upload:
        def field(key: str) -> str | None:
            value = fields.get(key)
            return value if isinstance(value, str) else None

        known = (field("id"), field("title"), field("format"))
        if fields.get("text"):
            return cls(*known, text=data.decode("utf-8", "surrogatepass"), media_url=field("media_url"))
        return cls(*known, data=data, name=field("name") or "upload", media_url=field("media_url"))


def run_upload(lib: Library, job: Job, data: bytes | None, progress: Progress) -> dict[str, object]:
    """An upload job: parsed from its spooled bytes, embedded chunk by chunk, published."""
    if data is None:
        raise RagError(f"the bytes of upload job {job.id} are gone from the spool folder; upload it again")
    upload = _Upload.from_spool(job.payload, data)
    source = upload.source()
    doc = source.document
    progress("parsed", 0, None, f"parsed {doc.id}: {len(doc.turns)} turns")

    def embedded(done: int, total: int) -> None:
        progress("embedding", done, total, f"embedded {done}/{total} chunks")

    result = lib.add_source(source, format=upload.format, progress=embedded)
    progress("published", result.chunks, result.chunks, f"{result.status}: {result.id}")
    return {"id": result.id, "status": result.status, "chunks": result.chunks}


async def _read_upload(request: Request, limit: int) -> _Upload:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    if ctype == "application/json":
        body = await request.body()
        if len(body) > limit:
            raise _too_large(limit)
        try:
            doc = DocumentIn.model_validate_json(body)
            return _Upload(doc.id, doc.title, doc.format, text=doc.text, media_url=doc.media_url)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise HTTPProblem(422, "InvalidBody", f"{where}: {first.get('msg')}") from None
    if ctype == "multipart/form-data":
        form = await request.form(max_part_size=limit)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPProblem(422, "InvalidBody", "multipart upload needs a 'file' part")
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise _too_large(limit)
        name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1] or "upload"
        fields: dict[str, str | None] = {}
        for key in ("id", "title", "format", "media_url"):
            value = form.get(key)
            if value is not None and not isinstance(value, str):  # a file part: its repr is no title
                raise HTTPProblem(400, "InvalidField", f"'{key}' must be a plain form field, not a file")
            fields[key] = value or None
        return _Upload(
            id=fields["id"],
            title=fields["title"],
            format=fields["format"],
            data=data,
            name=name,
            media_url=fields["media_url"],
        )
    raise HTTPProblem(
        415, "UnsupportedMediaType", "send application/json {text, id?, title?} or a multipart file upload"
    )


@router.post(
    "/documents",
    response_model=AddResponse | JobOut,
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"model": AddResponse, "description": "Replaced, or unchanged"},
        202: {"model": JobOut, "description": "Indexing in the background: poll the job"},
        **problems(400, 401, 403, 413, 415, 422, 429, 503),
    },
)
async def add_document(
    request: Request,
    response: Response,
    lib: LibraryDep,
    settings: SettingsDep,
    jobs: JobsDep,
    writes: WritesDep,
    _: WriterDep,
    background: Annotated[
        bool | None, Query(description="Run as a job (202). Default: only uploads over the size limit.")
    ] = None,
) -> AddResponse | JobOut:
    """Index a transcript (a file upload or JSON text); the same id replaces the old version."""
    body = await _read_upload(request, settings.max_upload_bytes)
    if body.title is not None and len(body.title) > settings.max_title_chars:
        raise HTTPProblem(
            400, "TitleTooLong", f"the title is longer than {settings.max_title_chars} characters"
        )
    source = await writes.prepare(body.source)  # bad input is a 4xx now, not a failed job
    if collection_name(request) is not None:  # jobs live in the default collection only
        if background:
            raise HTTPProblem(
                400, "BackgroundNotHere", "uploads to a collection are indexed at once: leave out background"
            )
        background = False
    if background is None:
        background = body.size > settings.background_upload_bytes
    if background:
        fields, data = body.spooled()
        job = await writes.prepare(lambda: jobs.submit("upload", fields, data))
        response.status_code = 202
        return accepted(response, job)
    result = await writes.run(lambda: lib.add_source(source, format=body.format), settings.write_wait)
    if result.status != "added":
        response.status_code = 200
    return AddResponse.model_validate(result)


@router.delete(
    "/documents/{document_id:path}",
    status_code=204,
    responses=problems(400, 401, 403, 404, 422, 503),
)
async def delete_document(
    document_id: PathId, lib: LibraryDep, settings: SettingsDep, writes: WritesDep, _: WriterDep
) -> Response:
    await writes.run(lambda: lib.remove(document_id), settings.write_wait)
    return Response(status_code=204)
