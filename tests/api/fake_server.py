"""A real server in its own process, on the fake embedder, for tests that measure the server
alone (its memory): `python -m tests.api.fake_server DATA PORT`; settings from `RAG_*`."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

QA = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n"


def main(data: Path, port: int) -> None:
    lib = Library.open(data, embedder=FakeEmbedder())
    if not lib.documents():
        lib.add_text(QA, id="ferry")
    app = create_app(Settings(data_dir=data), library=lib)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
