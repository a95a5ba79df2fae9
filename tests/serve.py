"""The HTTP server in its own process, for the tests that stop it (SIGTERM) or kill it (-9):
`python -m tests.serve DATA PORT PAUSE` serves DATA on PORT, embedding with `SlowEmbedder(PAUSE)`;
the other settings come from the environment (`RAG_WRITE_WAIT` bounds the library's lock wait too)."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import SlowEmbedder


def main(data: Path, port: int, pause: float) -> None:
    settings = Settings(data_dir=data)
    lib = Library.open(data, embedder=SlowEmbedder(pause), lock_timeout=settings.write_wait)
    app = create_app(settings, library=lib)
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")).run()
    lib.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
