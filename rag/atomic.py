"""Writes a reader never sees half done: a file or a folder replaced in one rename, after its
bytes are on disk. The vector index (one file) and BM25 (a folder) are saved through here."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["write_atomic", "write_folder_atomic"]


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """`write` a temporary file, fsync it, rename it over `path`, fsync the folder: a reader
    finds the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write(tmp)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_folder_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """`write` into a temporary folder, fsync its files, and put it at `path` in one step: a
    rename, or an exchange with the folder already there."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write(tmp)
    for child in tmp.iterdir():
        with child.open("rb") as fh:
            os.fsync(fh.fileno())
    _swap_in(tmp, path)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`); False where the
    system or the file system cannot."""
    renameat2 = getattr(_libc(), "renameat2", None) if sys.platform.startswith("linux") else None
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


_LIBC: list[ctypes.CDLL] = []


def _libc() -> ctypes.CDLL:
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]


def _swap_in(tmp: Path, path: Path) -> None:
    """Put the folder `tmp` at `path`. A rename when `path` is free; over an existing folder
    an exchange, then the old one (now at `tmp`) is deleted: a directory cannot be renamed
    over a non-empty one, and deleting first would leave readers with no folder at all."""
    try:
        os.rename(tmp, path)  # fails (ENOTEMPTY/EEXIST) if a folder is there
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not path.is_dir():
            raise
    if not _exchange(tmp, path):
        # no atomic exchange here: move the old folder aside first (readers may find no folder
        # between the two renames, and then rebuild from SQLite or use an older generation)
        aside = tmp.with_name(tmp.name + ".old")
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(path, aside)
        os.rename(tmp, path)
        tmp = aside
    shutil.rmtree(tmp, ignore_errors=True)
