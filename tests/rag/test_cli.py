"""The `rag` command through its real entry point, in a subprocess, with the real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

QA = (
    "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n\n"
    "Q: Where does it sail?\nA: To the island.\n"
)
RAG = Path(sys.executable).with_name("rag")


def rag(
    *args: str, data_dir: Path, timeout: float = 300, **settings: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), **settings}
    return subprocess.run(
        [str(RAG), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_index_ask_documents_remove(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ferry.txt").write_text(QA, encoding="utf-8")
    data = tmp_path / "data"

    r = rag("index", str(folder), data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "1 added, 0 replaced, 0 unchanged, 0 failed" in r.stderr
    r = rag("index", str(folder), data_dir=data)
    assert "0 added, 0 replaced, 1 unchanged" in r.stderr

    r = rag("ask", "--json", "-k", "1", "What colour is the ferry?", data_dir=data)
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    [p] = body["passages"]
    assert QA[p["start"] : p["end"]] == p["quote"] == "The ferry is painted bright yellow."
    assert p["question"]["text"] == "What colour is the ferry?"
    assert body["similarity"] == body["evidence"]["similarity"] and 0 <= body["confidence"] <= 1

    r = rag("ask", "What colour is the ferry?", data_dir=data)
    assert "bright yellow" in r.stdout and "What colour is the ferry?" in r.stdout

    r = rag("documents", data_dir=data)
    assert r.stdout.startswith("ferry.txt\tlabelled\t4 turns\t")

    r = rag("remove", "ferry.txt", data_dir=data)
    assert r.returncode == 0
    assert rag("documents", "--json", data_dir=data).stdout.strip() == "[]"

    r = rag("compact", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "compacted:" in r.stderr and "KB →" in r.stderr
    assert "4 cached embeddings of texts no longer indexed dropped" in r.stderr  # its 4 turns' chunks


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = rag("index", str(tmp_path / "missing"), data_dir=data)
    assert r.returncode == 1 and "does not exist" in r.stderr and "Traceback" not in r.stderr

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9")
    r = rag("index", str(bad), data_dir=data)
    assert r.returncode == 1 and "not valid UTF-8" in r.stderr and "Traceback" not in r.stderr

    r = rag("remove", "nope.txt", data_dir=data)
    assert r.returncode == 1
    assert "no document with id 'nope.txt'" in r.stderr and "Traceback" not in r.stderr

    r = rag("compact", data_dir=tmp_path / "nowhere")
    assert r.returncode == 1 and "no library at" in r.stderr and "Traceback" not in r.stderr

    r = rag("ask", "-k", "0", "x", data_dir=data)
    assert r.returncode == 2 and "Traceback" not in r.stderr

    r = rag("documents", data_dir=data, RAG_INDEX="hnsw")
    assert r.returncode == 1 and "index" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args", [["documents"], ["ask", "--mode", "bm25", "ferry"], ["remove", "ferry.txt"], ["reindex"]]
)
def test_a_read_command_needs_an_existing_library(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "rag-dta"
    r = rag(*args, data_dir=typo)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"no library at {typo}" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not typo.exists()


def test_eval_prints_each_mode(tmp_path: Path) -> None:
    doc = tmp_path / "ferry.txt"
    doc.write_text(QA, encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "1",
                "question": "What colour is the ferry?",
                "gold_lines": [2],
                "gold_question_lines": [1],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    r = rag("eval", str(gold), "--document", str(doc), "--json", data_dir=tmp_path / "unused")
    assert r.returncode == 0, r.stderr
    rows = {row["mode"]: row for row in json.loads(r.stdout)}
    assert set(rows) == {"hybrid", "dense", "bm25"}
    assert all(row["hit_at_1"] == 1.0 and row["quote_mismatches"] == 0 for row in rows.values())
    r = rag("eval", str(gold), "--mode", "magic", "--document", str(doc), data_dir=tmp_path / "unused")
    assert r.returncode == 1 and "unknown mode" in r.stderr


def test_questions_by_the_int8_build_ask_the_fp32_index(tmp_path: Path) -> None:
    """RAG_QUERY_BACKEND changes only who encodes questions: the index opens as it is, and
    `rag eval` honours it too (its int8 build appears in the eval folder's models)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ferry.txt").write_text(QA, encoding="utf-8")
    data = tmp_path / "data"
    assert rag("index", str(folder), data_dir=data).returncode == 0
    assert not list((data / "models").glob("*-int8.onnx"))
    r = rag("ask", "--json", "-k", "1", "Where does it sail?", data_dir=data, RAG_QUERY_BACKEND="onnx-int8")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["passages"][0]["quote"] == "To the island."
    assert list((data / "models").glob("*-int8.onnx"))

    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {"id": "1", "question": "Where does it sail?", "gold_lines": [5], "gold_question_lines": [4]}
        )
        + "\n",
        encoding="utf-8",
    )
    evals = tmp_path / "eval"
    r = rag(
        "eval", str(gold), "--document", str(folder / "ferry.txt"), "--json", "--mode", "dense",
        "--data-dir", str(evals), data_dir=data, RAG_QUERY_BACKEND="onnx-int8",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["hit_at_1"] == 1.0
    assert list((evals / "models").glob("*-int8.onnx"))


def test_index_says_when_another_folder_s_file_replaces_a_document(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
    (first / "ferry.txt").write_text(QA, encoding="utf-8")
    (second / "ferry.txt").write_text(QA.replace("yellow", "blue"), encoding="utf-8")
    data = tmp_path / "data"
    r = rag("index", str(first), data_dir=data)
    assert r.returncode == 0 and "replaced the document" not in r.stderr
    r = rag("index", str(second), data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "0 added, 1 replaced" in r.stderr
    assert f"ferry.txt: replaced the document read from {(first / 'ferry.txt').resolve()}" in r.stderr


def test_index_reports_a_locked_pdf_in_one_line(tmp_path: Path) -> None:
    from tests.rag.transcripts.builders import encrypt_pdf, make_pdf

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ferry.txt").write_text(QA, encoding="utf-8")
    (folder / "locked.pdf").write_bytes(
        encrypt_pdf(make_pdf([["Q: Why?", "A: Because."]]), user_password="pw")
    )
    r = rag("index", str(folder), data_dir=tmp_path / "data")
    assert r.returncode == 1
    assert "locked.pdf: failed:" in r.stderr and "encrypted PDF that needs a password" in r.stderr
    listed = rag("documents", "--json", data_dir=tmp_path / "data")
    assert "locked.pdf" not in listed.stdout and "ferry.txt" in listed.stdout


def test_a_damaged_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "library.sqlite3").write_bytes(os.urandom(8192))
    r = rag("documents", data_dir=data)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "library.sqlite3 is damaged" in r.stderr and "backup" in r.stderr


@pytest.mark.parametrize(("args", "code"), [(["--port", "70000"], 2), (["--port", "-1"], 2)])
def test_serve_refuses_a_port_out_of_range(tmp_path: Path, args: list[str], code: int) -> None:
    r = rag("serve", *args, data_dir=tmp_path / "data")
    assert r.returncode == code and "Traceback" not in r.stderr and "port" in r.stderr.lower()


def test_serve_refuses_rag_port_out_of_range(tmp_path: Path) -> None:
    r = rag("serve", data_dir=tmp_path / "data", RAG_PORT="70000")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "port" in r.stderr


def test_serve_port_0_binds_a_free_port(tmp_path: Path) -> None:
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen([str(RAG), "serve", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "running on" in line.lower():
                break
        else:
            pytest.fail("the server did not start")
        port = int(line.split("http://127.0.0.1:")[1].split()[0].rstrip('"'))
        assert port not in (0, 8000)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"RAG_API_KEY": ""}, "api_key"),
        ({"RAG_API_KEY": "  "}, "api_key"),
        ({"RAG_CORS_ORIGINS": '["x'}, "cors"),
    ],
)
def test_serve_refuses_a_bad_key_or_origins_in_one_line(
    tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    r = rag("serve", "--port", "0", data_dir=tmp_path / "data", timeout=60, **env)  # not a hang
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_index_skips_links_out_of_the_folder_unless_asked(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Q: What is the password?\nA: The password is swordfish.\n", encoding="utf-8")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "ferry.txt").write_text(QA, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(secret)
    data = tmp_path / "data"
    r = rag("index", str(folder), data_dir=data)
    assert r.returncode == 0, r.stderr
    assert f"passwd.txt: skipped: a link to {secret}" in r.stderr and "1 added" in r.stderr
    listed = [d["id"] for d in json.loads(rag("documents", "--json", data_dir=data).stdout)]
    assert listed == ["ferry.txt"]
    r = rag("index", "--follow-links", str(folder), data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "1 added, 0 replaced, 1 unchanged" in r.stderr and "skipped" not in r.stderr
    listed = [d["id"] for d in json.loads(rag("documents", "--json", data_dir=data).stdout)]
    assert sorted(listed) == ["ferry.txt", "passwd.txt"]


def test_serve_with_two_workers_shares_one_library(tmp_path: Path) -> None:
    """`--workers 2`: two server processes over one data directory; a document one of them
    adds is found by every later question, and a job one of them accepted is followed by
    `GET /jobs/{id}` to `done`, whichever process answers the poll."""
    import httpx

    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [str(RAG), "serve", "--workers", "2", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stderr is not None
        port, started, ready = None, set(), 0
        for line in proc.stderr:
            if "running on" in line.lower():
                port = int(line.split("http://127.0.0.1:")[1].split()[0].rstrip('"'))
            if "Started server process" in line:
                started.add(line.split("[")[-1].split("]")[0])
            ready += "startup complete" in line.lower()
            if ready == 2:
                break
        assert port and len(started) == 2, started
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            r = client.post("/documents", json={"id": "ferry", "text": QA})
            assert r.status_code == 201, r.text
            r = client.post(
                "/documents?background=true", json={"id": "pier", "text": QA.replace("ferry", "pier")}
            )
            assert r.status_code == 202, r.text
            job = r.headers["location"]
        # a connection per request, so the kernel hands each to either process
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=fresh) as client:
            ran_here: set[bool] = set()  # whether the answering process is the one that ran the job
            deadline = time.monotonic() + 120
            while ran_here != {True, False}:
                assert time.monotonic() < deadline, ran_here
                r = client.get(job)
                assert r.status_code == 200, r.text  # never a 404 from the other process
                if r.json()["status"] != "done":
                    time.sleep(0.05)
                    continue
                ran_here.add(
                    'rag_job_duration_seconds_count{kind="upload",status="done"}'
                    in client.get("/metrics").text
                )
            for _ in range(8):
                r = client.post("/ask", json={"question": "What colour is the ferry?", "k": 1})
                assert r.json()["passages"][0]["document_id"] == "ferry"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_ask_exports_csv_markdown_and_ris(tmp_path: Path) -> None:
    import csv
    import io

    from rag.exports import COLUMNS

    doc = tmp_path / "ferry.txt"
    doc.write_text(QA, encoding="utf-8")
    data = tmp_path / "data"
    assert rag("index", str(doc), data_dir=data).returncode == 0
    r = rag("ask", "--format", "csv", "-k", "1", "What colour is the ferry?", data_dir=data)
    assert r.returncode == 0, r.stderr
    [row] = list(csv.DictReader(io.StringIO(r.stdout)))
    assert tuple(row) == COLUMNS
    assert (
        row["quote"] == "The ferry is painted bright yellow."
        and row["question"] == "What colour is the ferry?"
    )
    assert row["url"] == f"/view/ferry.txt?start={row['start']}&end={row['end']}&asked=0"
    assert row["answerable"] == "true"
    r = rag("ask", "-f", "markdown", "-k", "1", "What colour is the ferry?", data_dir=data)
    assert "> The ferry is painted bright yellow.\n" in r.stdout
    r = rag(
        "ask",
        "--format",
        "ris",
        "-k",
        "1",
        "What colour is the ferry?",
        data_dir=data,
        RAG_PUBLIC_URL="https://q.example.org",
    )
    assert "N1  - The ferry is painted bright yellow." in r.stdout.splitlines()
    assert "UR  - https://q.example.org/view/ferry.txt?start=" in r.stdout
    r = rag("ask", "--format", "docx", "ferry", data_dir=data)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "unknown --format 'docx'" in r.stderr


def test_index_sets_a_files_recording(tmp_path: Path) -> None:
    doc = tmp_path / "ferry.txt"
    doc.write_text(QA.replace("Q: What", "[00:01:05] Q: What"), encoding="utf-8")
    data = tmp_path / "data"
    r = rag("index", str(doc), "--media-url", "https://media.example.org/ferry.mp3", data_dir=data)
    assert r.returncode == 0, r.stderr
    assert "ferry.txt: added" in r.stderr
    body = json.loads(rag("ask", "--json", "-k", "1", "What colour is the ferry?", data_dir=data).stdout)
    assert body["passages"][0]["media_url"].startswith("https://media.example.org/ferry.mp3")
    r = rag("index", str(tmp_path), "--media-url", "https://media.example.org/x.mp3", data_dir=data)
    assert r.returncode == 1 and "single file" in r.stderr


def test_a_write_waits_at_most_rag_write_wait_for_another_writer(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.writer", "hold", str(tmp_path), "60"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        r = rag("remove", "ferry", data_dir=tmp_path, timeout=30, RAG_WRITE_WAIT="0.5")
        took = time.monotonic() - start
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 1 and "another process is writing" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert took < 8, took  # the default wait is 10 s
