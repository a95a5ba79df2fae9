"""`rag … --collection NAME`: the command acts on ROOT/NAME (`--root` or $RAG_ROOT); a bad
name, or no root, is a one-line message and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rag import Library
from tests.fakes import FakeEmbedder

RAG = Path(sys.executable).with_name("rag")
HARBOUR = "Q: Where does the ferry dock?\nA: The ferry docks at the north harbour.\n"
ORCHARD = "Q: What grows in the orchard?\nA: The orchard grows late pears.\n"


def rag(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("RAG_ROOT", "RAG_DATA_DIR")}
    return subprocess.run(
        [str(RAG), *args], capture_output=True, text=True, env={**clean, **env}, timeout=120
    )


def _root(tmp_path: Path) -> Path:
    for name, text in (("a", HARBOUR), ("b", ORCHARD)):
        lib = Library.open(tmp_path / name, embedder=FakeEmbedder())
        lib.add_text(text, id=f"{name}-doc")
        lib.close()
    return tmp_path


def test_collection_resolves_under_the_root(tmp_path: Path) -> None:
    root = _root(tmp_path)
    listed = rag("documents", "--json", "--collection", "a", "--root", str(root))
    assert listed.returncode == 0, listed.stderr
    assert [d["id"] for d in json.loads(listed.stdout)] == ["a-doc"]
    from_env = rag("documents", "--json", "--collection", "b", RAG_ROOT=str(root))
    assert from_env.returncode == 0, from_env.stderr
    assert [d["id"] for d in json.loads(from_env.stdout)] == ["b-doc"]


def test_bad_collection_flags_are_one_line_errors(tmp_path: Path) -> None:
    root = _root(tmp_path)
    for args, says in (
        (("--collection", "A/../b", "--root", str(root)), "collection name"),
        (("--collection", "a"), "--root"),
        (("--collection", "a", "--root", str(root), "--data-dir", str(root / "a")), "not both"),
        (("--collection", "nowhere", "--root", str(root)), "no library"),
    ):
        result = rag("documents", *args)
        assert result.returncode != 0, args
        assert says in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (root / "nowhere").exists()
