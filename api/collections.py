"""Collections: separate libraries behind one server, each its own data directory under the
root (`rag serve --root DIR`). The default collection is the server's own library, named
`default`; the others open on first use and stay open until the server stops."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from rag.collections import DEFAULT, valid_name
from rag.library import Library

from .errors import HTTPProblem
from .keys import ApiKey

__all__ = ["DEFAULT", "PREFIX", "Collections", "missing", "split", "valid_name", "visible"]

PREFIX = "/collections/{collection}"  # today's routes again, under each collection
_PATH = re.compile(r"/collections/([^/]+)(/.*)")
LIBRARY_FILE = "library.sqlite3"


def split(path: str) -> tuple[str | None, str]:
    """`/collections/a/documents` → (`a`, `/documents`); a path outside any collection → (None, path)."""
    match = _PATH.fullmatch(path)
    return (match[1], match[2]) if match else (None, path)


def visible(key: ApiKey | None, name: str) -> bool:
    """A key with `collections` sees only those; one without (or no key) sees all."""
    return key is None or key.collections is None or name in key.collections


def missing(name: str) -> HTTPProblem:
    """The one answer for a collection that is not there and for one the key may not see,
    so a key cannot learn another collection's name."""
    return HTTPProblem(404, "NotFound", f"there is no collection {name!r}")


class Collections:
    """Name → opened library. `opener(path)` opens one (the server's embedder and options)."""

    def __init__(self, root: Path | None, opener: Callable[[Path], Library]) -> None:
        self.root, self._open = root, opener
        self._libraries: dict[str, Library] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """`default` and every folder of the root holding a library, sorted."""
        found = {DEFAULT}
        if self.root is not None and self.root.is_dir():
            found |= {
                p.name for p in self.root.iterdir() if valid_name(p.name) and (p / LIBRARY_FILE).is_file()
            }
        return sorted(found | set(self._libraries))

    def opened(self, name: str) -> Library | None:
        """The collection's library if it is open already (no files read), else None."""
        with self._lock:
            return self._libraries.get(name)

    def get(self, name: str, *, create: bool = False) -> Library:
        """The collection's library; `create` (a write) makes a new one. Raises the 404 of
        `missing` for an unknown or invalid name."""
        if self.root is None or not valid_name(name) or name == DEFAULT:
            raise missing(name)
        with self._lock:
            lib = self._libraries.get(name)
            if lib is not None:
                return lib
            folder = self.root / name
            if not create and not (folder / LIBRARY_FILE).is_file():
                raise missing(name)
            folder.mkdir(parents=True, exist_ok=True)
            lib = self._libraries[name] = self._open(folder)
            return lib

    def close(self) -> None:
        with self._lock:
            for lib in self._libraries.values():
                lib.close()
            self._libraries.clear()
