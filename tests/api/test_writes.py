"""Writes never take what questions need: a writer waits a bounded time for the lock and in a
bounded queue on its own thread, then gets `503 Busy` with `Retry-After`; reads answer meanwhile."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from api.writes import WriteQueue
from rag import Library
from rag.errors import Busy
from tests.fakes import FakeEmbedder

from .server import QA, ROOT, free_port, spawn


def _timed(http: httpx.Client, method: str, path: str, **kwargs: object) -> tuple[float, int]:
    start = time.monotonic()
    try:
        status = http.request(method, path, **kwargs).status_code  # type: ignore[arg-type]
    except httpx.TimeoutException:
        status = 0
    return time.monotonic() - start, status


def test_writers_waiting_for_a_lock_held_elsewhere_do_not_stall_readers(tmp_path: Path) -> None:
    """Another process holds the writer lock; 45 uploads arrive at once. Reads keep answering
    (each timed), and every upload gets a 503 Busy with Retry-After in bounded time."""
    with Library.open(tmp_path, embedder=FakeEmbedder()) as lib:
        lib.add_text(QA, id="ferry")
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.writer", "hold", str(tmp_path), "120"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = free_port()
    server = None
    uploads: list[tuple[int, str | None, dict, float]] = []
    probes: list[tuple[str, float, int]] = []
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        server = spawn(tmp_path, port, env={"RAG_WRITE_WAIT": "2", "RAG_WRITE_QUEUE": "4"})
        url = f"http://127.0.0.1:{port}"

        async def upload(http: httpx.AsyncClient, i: int) -> None:
            start = time.monotonic()
            r = await http.post(
                "/documents", json={"text": f"Q: Boat {i}?\nA: Boat {i} is red.", "id": f"b{i}"}
            )
            uploads.append((r.status_code, r.headers.get("retry-after"), r.json(), time.monotonic() - start))

        async def fire() -> None:
            limits = httpx.Limits(max_connections=100)
            async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
                await asyncio.gather(*(upload(http, i) for i in range(45)))

        writers = threading.Thread(target=asyncio.run, args=(fire(),))
        writers.start()
        with httpx.Client(base_url=url, timeout=5) as http:
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline or writers.is_alive():
                probes.append(("healthz", *_timed(http, "GET", "/healthz")))
                probes.append(("ask", *_timed(http, "POST", "/ask", json={"question": "ferry colour"})))
                if time.monotonic() > deadline + 30:
                    break
        writers.join(timeout=60)
    finally:
        for process in (holder, server):
            if process is not None:
                process.kill()
                process.wait()

    slowest = max(probes, key=lambda p: p[1])
    print(
        f"{len(probes)} reads during 45 blocked uploads, slowest {slowest[0]} {slowest[1]:.3f} s; "
        f"uploads answered 503 within {max(u[3] for u in uploads):.2f} s"
    )
    assert len(probes) > 20
    assert all(status == 200 for _, _, status in probes), [p for p in probes if p[2] != 200][:5]
    assert slowest[1] < 1.0, slowest
    assert len(uploads) == 45
    assert {status for status, *_ in uploads} == {503}, [u[:3] for u in uploads if u[0] != 503][:3]
    assert all(body["error"] == "Busy" and retry == "2" for _, retry, body, _ in uploads)
    # bounded: at most a wait in the queue plus a wait for the lock, never until the holder lets go
    assert max(u[3] for u in uploads) < 10, sorted(u[3] for u in uploads)[-3:]


def test_the_write_queue_refuses_when_full_drops_what_waited_too_long_and_drains_on_shutdown() -> None:
    queue = WriteQueue(max_pending=1)
    release, ran = threading.Event(), []
    first = queue.submit(lambda: release.wait(10))  # the writer thread is busy with this one
    while queue.pending:
        time.sleep(0.01)
    queue.submit(lambda: ran.append("second"))
    with pytest.raises(Busy, match="waiting already"):  # full: refused at once
        queue.submit(lambda: ran.append("third"))

    async def late() -> None:
        with pytest.raises(Busy, match="waited"):
            await queue.run(lambda: ran.append("late"), wait=0.1)

    queue.max_pending = 2
    asyncio.run(late())
    release.set()
    assert first.result(timeout=10) is True
    queue.shutdown()
    assert ran == ["second"]  # the late one never ran: its caller had its answer

    blocked = threading.Event()
    running = queue.submit(lambda: blocked.wait(0.5) or "finished")
    while queue.pending:
        time.sleep(0.01)
    waiting = queue.submit(lambda: ran.append("never"))
    queue.shutdown()  # the running write ends first; the waiting one is told the server stops
    assert running.result(timeout=0) == "finished"
    with pytest.raises(Busy, match="shutting down"):
        waiting.result(timeout=0)
    assert "never" not in ran
