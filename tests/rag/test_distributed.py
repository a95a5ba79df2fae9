"""Indexing on a 2-node Ray cluster (in a loopback-only network namespace) gives the library a
single process gives: the same documents, chunk ids and texts, vectors and answers; a killed
embedding worker is retried; a killed driver leaves the last publication, and a rerun completes."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import Library
from rag.cli import _optional_ray_address
from rag.localcluster import namespaced, unavailable
from rag.vectors import IndexPolicy, VectorIndex

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["What did they say about the budget?", "When was the pier rebuilt?", "Who asked about ferries?"]


def _talks(folder: Path) -> Path:
    folder.mkdir()
    for i in range(10):
        turns = "".join(
            f"Q: What happened at pier {i} in {y}?\nA: In {y} pier {i} was rebuilt in oak; "
            f"the ferries to it ran {y - 1980} times a day and the budget grew.\n\n"
            for y in range(1990, 1996)
        )
        (folder / f"talk-{i:02d}.txt").write_text(turns, encoding="utf-8")
    return folder


def _rows(data: Path) -> tuple[list[tuple], list[tuple], np.ndarray]:
    with sqlite3.connect(data / "library.sqlite3") as db:
        docs = db.execute(
            "SELECT id, title, text, content_hash, format, metadata, roles FROM documents ORDER BY id"
        ).fetchall()
        chunks = db.execute(
            "SELECT id, document_id, turn_index, start, end, embed_text FROM chunks ORDER BY id"
        ).fetchall()
        blobs = [r[0] for r in db.execute("SELECT vector FROM chunks ORDER BY id")]
    return docs, chunks, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)


def _same_library(ray_data: Path, plain_data: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    (docs, chunks, vectors), (docs2, chunks2, vectors2) = _rows(ray_data), _rows(plain_data)
    assert docs == docs2 and chunks == chunks2 and len(chunks) > 0
    np.testing.assert_allclose(vectors, vectors2, atol=1e-5)
    with Library.open(ray_data, embedder=embedder) as a, Library.open(plain_data, embedder=embedder) as b:
        for question in QUESTIONS:
            one, two = a.ask(question, k=5), b.ask(question, k=5)
            assert [(p.document_id, p.start, p.end, p.quote) for p in one] == [
                (p.document_id, p.start, p.end, p.quote) for p in two
            ]
            np.testing.assert_allclose([p.score for p in one], [p.score for p in two], atol=1e-5)
            assert one.answerable == two.answerable


def _published_vectors(data: Path) -> VectorIndex:
    """The newest generation's vector file, as saved."""
    newest = max((data / "vectors").glob("*.faiss"))
    return VectorIndex.load(newest, 384)


def test_optional_ray_address() -> None:
    assert _optional_ray_address(["index", "f", "--ray"]) == ["index", "f", "--ray", "local"]
    assert _optional_ray_address(["index", "f", "--ray", "--format", "qa"])[3] == "local"
    assert _optional_ray_address(["index", "f", "--ray", "10.0.0.5:6379"]) == [
        "index",
        "f",
        "--ray",
        "10.0.0.5:6379",
    ]


@pytest.mark.model
def test_a_two_node_cluster_indexes_what_one_process_does(tmp_path: Path) -> None:
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    from embeddings import load_embedder

    work = tmp_path / "w"
    work.mkdir()
    talks = _talks(work / "talks")
    embedder = load_embedder(None, backend="onnx", cache_dir=work / "models")  # exported once, shared
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    run = subprocess.run(
        namespaced([sys.executable, "-m", "tests.raycluster", str(work)]),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((work / "result.json").read_text())

    plain = {}
    for name, folder in (("fixtures", ROOT / "tests" / "fixtures"), ("talks", talks)):
        with Library.open(tmp_path / f"plain-{name}", embedder=embedder) as lib:
            report = lib.index_folder(folder)
            assert report.failed == {}
        plain[name] = tmp_path / f"plain-{name}"

    assert result["equal"]["rc"] == 0, result
    _same_library(work / "equal", plain["fixtures"], embedder)

    assert result["worker"]["killed"] and result["worker"]["rc"] == 0, result  # the job still completed
    assert result["worker"]["last"] == ["done 10 0 0 0"]
    _same_library(work / "worker", plain["talks"], embedder)

    # the driver killed after its first publication: the library opens at a publication, whole
    with Library.open(work / "driver-killed", embedder=embedder) as lib:
        infos = lib.documents()
        assert lib.generation >= 1 and 0 < len(infos) <= 10
        assert lib.status().chunks == sum(i.chunk_count for i in infos)
        for p in lib.ask("When was the pier rebuilt?", k=3):
            assert lib.document(p.document_id).text[p.start : p.end] == p.quote
    assert result["driver"]["rc"] == 0
    added = int(result["driver"]["last"][0].split()[1])
    assert added < 10  # the rerun skipped what was published
    _same_library(work / "driver", plain["talks"], embedder)

    # IVF-PQ forced: trained by the driver, filled by Ray tasks in other processes, merged; the
    # one index a single process builds (the same search results, scores included)
    assert result["ivfpq"]["rc"] == 0 and result["ivfpq"]["last"] == ["done 10 0 0 0"], result
    shards = [line.split() for line in (work / "ivfpq-shards.txt").read_text().splitlines()]
    policy = IndexPolicy(kind="ivfpq")  # and one publication, as the driver makes
    with Library.open(
        tmp_path / "plain-ivfpq", embedder=embedder, index_policy=policy, checkpoint_seconds=3600
    ) as lib:
        lib.index_folder(talks)
        chunks = lib.status().chunks
    assert shards and sum(int(n) for _, n in shards) == chunks
    driver = (work / "ivfpq-driver.txt").read_text()
    assert all(pid != driver for pid, _ in shards)  # filled by Ray workers, not the driver
    _same_library(work / "ivfpq", tmp_path / "plain-ivfpq", embedder)
    one, two = (_published_vectors(d) for d in (tmp_path / "plain-ivfpq", work / "ivfpq"))
    assert one.kind == two.kind == "ivfpq" and len(one) == len(two) == chunks
    for q in _rows(tmp_path / "plain-ivfpq")[2][::7]:
        a, b = one.search(q, 10), two.search(q, 10)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
