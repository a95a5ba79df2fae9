"""`create_app(settings)`: the FastAPI application, built from settings, with no import-time work."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from rag.errors import Damaged
from rag.library import Library
from rag.settings import Settings

from . import errors
from .collections import PREFIX, Collections
from .deps import collection_param
from .errors import HTTPProblem
from .guards import BodyLimit, HeadAsGet, PathGuard, Unhandled
from .jobs import Jobs
from .keys import KeyRing
from .metrics import Metrics, RequestObserver
from .routes import ask, collections, documents, health, jobs, page, questions, schema, speakers
from .schemas import problems
from .security import Gate
from .writes import WriteQueue

__all__ = ["create_app", "create_app_from_environment"]

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, library: Library | None = None) -> FastAPI:
    """Build the app. Without `library`, one is opened from `settings` (model included) at startup."""
    settings = settings or Settings()
    keys = KeyRing.from_settings(settings)  # a malformed key list fails here, at start

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            try:
                lib = library or await stack.enter_async_context(_open_library(settings))
            except Damaged as exc:  # stay up and say why: /readyz and every data route answer 503
                log.error("%s", exc)
                lib, app.state.not_ready = None, str(exc)
            app.state.library = lib
            app.state.collections = Collections(settings.root, _opener(settings, lib))
            stack.callback(app.state.collections.close)  # after the writes below have stopped
            await run_in_threadpool(app.state.jobs.open, lib.data_dir if lib else settings.data_dir, lib)
            stack.callback(app.state.jobs.close)
            # runs first: the running write (a job, an upload) finishes before the library
            # closes; queued jobs stay queued on disk for the next start
            stack.callback(app.state.writes.shutdown)
            if app.state.mcp is not None:  # the SDK's sessions stop before the library closes
                await stack.enter_async_context(app.state.mcp.run())
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
    app.state.keys = keys
    app.state.collections = Collections(None, _opener(settings, library))  # the lifespan's replaces it
    app.state.library = library  # None until the lifespan opens one from settings
    app.state.not_ready = None  # why there is no library, when opening it failed
    metrics = Metrics(lambda: app.state.library.status() if app.state.library is not None else None)
    app.state.metrics = metrics
    app.state.writes = WriteQueue(settings.write_queue)
    app.state.jobs = Jobs(app.state.writes, settings.max_jobs_kept, on_finish=metrics.job_finished)
    app.state.jobs.register("upload", documents.run_upload)
    app.state.jobs.register("reindex", jobs.run_reindex)
    app.add_middleware(BodyLimit, upload=settings.max_upload_bytes, other=settings.ask_body_limit())
    routes: list[BaseRoute] = []  # the routes as declared, in order, filled in below
    scoped_routes: list[BaseRoute] = []  # the routes of one collection's data, filled in below
    app.add_middleware(Gate, routes=routes, scoped=scoped_routes, keys=keys, settings=settings)
    app.add_middleware(Unhandled)  # the observer counts its 500s
    app.add_middleware(HeadAsGet)
    app.add_middleware(PathGuard)
    app.add_middleware(RequestObserver, metrics=metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Answerable", "Content-Disposition"],  # the exports of POST /ask
        )
    errors.install(app)
    routers = [
        ask.router,
        documents.router,
        health.router,
        jobs.router,
        speakers.router,
        questions.router,
        page.router,
        schema.router,
    ]
    if settings.docs:
        routers.append(schema.docs_router)
    for router in routers:
        app.include_router(router)
    # the same routes again under each collection, bar health, schema and the list itself
    scoped = (ask.router, documents.router, speakers.router, questions.router, page.router)
    for router in scoped:  # today's routes again under each collection (not health, jobs, schema)
        app.include_router(
            router, prefix=PREFIX, dependencies=[Depends(collection_param)], responses=problems(400, 404, 422)
        )
    app.include_router(collections.router)
    routes.extend(route for router in (*routers, collections.router) for route in router.routes)
    # what a key limited to collections is checked on (jobs: the default collection's)
    scoped_routes.extend(route for router in (*scoped, jobs.router) for route in router.routes)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    app.openapi = lambda: schema.with_limits(app, settings)  # type: ignore[method-assign]
    app.state.mcp = _mount_mcp(app, settings)
    if app.state.mcp is not None:
        routes.append(app.state.mcp.route)
    return app


def create_app_from_environment() -> FastAPI:
    """The app of one of several server processes (`rag serve --workers N`): each builds its
    own from the `RAG_*` environment the parent set, and opens the data directory itself."""
    from . import logs

    logs.configure()
    return create_app(Settings())


def _mount_mcp(app: FastAPI, settings: Settings) -> Any:
    """`/mcp` for agents when the `mcp` extra is installed (`pip install -e '.[mcp]'`)."""
    if importlib.util.find_spec("mcp") is None:
        log.info("the mcp package is not installed: no /mcp endpoint")
        return None
    from . import mcphttp

    return mcphttp.mount(app, settings)


def _opener(settings: Settings, lib: Library | None) -> Callable[[Path], Library]:
    """How a collection opens: like the default library, with its embedder (one model in memory)."""

    def open_collection(folder: Path) -> Library:
        if lib is None:
            raise HTTPProblem(503, "NotReady", "the default library did not open")
        return Library.open(folder, embedder=lib.embedder, **settings.library_options())

    return open_collection


@asynccontextmanager
async def _open_library(settings: Settings) -> AsyncIterator[Library]:
    """The model, the library and its latest generation, loaded before the first request."""
    from embeddings import load_embedder

    embedder = await run_in_threadpool(lambda: load_embedder(settings.model, **settings.embedder_options()))
    lib = await run_in_threadpool(
        lambda: Library.open(settings.data_dir, embedder=embedder, **settings.library_options())
    )
    try:
        await run_in_threadpool(lib.status)  # load the search files now, not on the first question
        yield lib
    finally:
        lib.close()
