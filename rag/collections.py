"""Collection names: a collection is the data directory `ROOT/NAME` (`rag serve --root`, `rag
… --collection`). The name is a folder name and a URL segment, so it is kept to a safe few
characters."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import InvalidInput

__all__ = ["DEFAULT", "collection_dir", "valid_name"]

DEFAULT = "default"  # today's routes and `--data-dir`: ROOT/default under `rag serve --root`
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def collection_dir(root: Path | None, name: str) -> Path:
    """`ROOT/NAME`, or InvalidInput for a bad name or no root."""
    if not valid_name(name):
        raise InvalidInput(
            f"the collection name {name!r} must be 1-64 lower-case letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    if root is None:
        raise InvalidInput("--collection needs a root folder: give --root DIR or set $RAG_ROOT")
    return root / name
