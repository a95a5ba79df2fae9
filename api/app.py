"""`create_app(settings)`: the FastAPI application, built from settings, with no import-time work."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from rag.errors import Damaged
from rag.library import Library
from rag.settings import Settings

from . import errors
from .guards import HeadAsGet, PathGuard, Unhandled
from .jobs import Jobs
from .metrics import Metrics, RequestObserver
from .routes import ask, documents, health, jobs, page, questions, schema, speakers
from .security import require_reader_but_liveness

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, library: Library | None = None) -> FastAPI:
    """Build the app. Without `library`, one is opened from `settings` (model included) at startup."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            try:
                lib = library or await stack.enter_async_context(_open_library(settings))
            except Damaged as exc:  # stay up and say why: /readyz and every data route answer 503
                log.error("%s", exc)
                lib, app.state.not_ready = None, str(exc)
            stack.callback(app.state.jobs.shutdown)  # runs first: jobs finish before the library closes
            app.state.library = lib
            yield

    app = FastAPI(
        title="interview-rag",
        version="0.1.0",
        description="Ask questions of interview transcripts; answers are verbatim quotes with citations.",
        lifespan=lifespan,
        docs_url=None,  # routes.schema serves both, behind the read key when reads are protected
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.library = library  # None until the lifespan opens one from settings
    app.state.not_ready = None  # why there is no library, when opening it failed
    metrics = Metrics(lambda: app.state.library.status() if app.state.library is not None else None)
    app.state.metrics = metrics
    app.state.jobs = Jobs(settings.max_jobs_kept, on_finish=metrics.job_finished)
    app.add_middleware(Unhandled)  # innermost: the observer counts its 500s
    app.add_middleware(HeadAsGet)
    app.add_middleware(PathGuard)
    app.add_middleware(RequestObserver, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    errors.install(app)
    app.include_router(ask.router)
    app.include_router(documents.router)
    app.include_router(health.router, dependencies=[Depends(require_reader_but_liveness)])
    app.include_router(jobs.router)
    app.include_router(speakers.router)
    app.include_router(questions.router)
    app.include_router(page.router)
    app.include_router(schema.router)
    if settings.docs:
        app.include_router(schema.docs_router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    return app


@asynccontextmanager
async def _open_library(settings: Settings) -> AsyncIterator[Library]:
    """The model, the library and its latest generation, loaded before the first request."""
    from embeddings import load_embedder

    embedder = await run_in_threadpool(lambda: load_embedder(settings.model, **settings.embedder_options()))
    lib = await run_in_threadpool(
        lambda: Library.open(settings.data_dir, embedder=embedder, **settings.library_options())  # type: ignore[arg-type]
    )
    try:
        await run_in_threadpool(lib.status)  # load the search files now, not on the first question
        yield lib
    finally:
        lib.close()
