"""`create_app(settings)`: the FastAPI application, built from settings, with no import-time work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from rag.library import Library
from rag.settings import Settings

from . import errors
from .routes import ask, documents, health

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, library: Library | None = None) -> FastAPI:
    """Build the app. Without `library`, one is opened from `settings` (model included) at startup."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if library is not None:
            app.state.library = library
            yield
            return
        from embeddings import load_embedder

        lib = Library.open(
            settings.data_dir,
            embedder=load_embedder(settings.model),
            max_document_bytes=settings.max_document_bytes,
        )
        app.state.library = lib
        try:
            yield
        finally:
            lib.close()

    app = FastAPI(
        title="interview-rag",
        version="0.1.0",
        description="Ask questions of interview transcripts; answers are verbatim quotes with citations.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.include_router(ask.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    return app
