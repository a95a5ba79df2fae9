"""Readers keep answering, correctly, while another process changes the index."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder
from tests.writer import churn_text

from .server import running

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 30
TAG = re.compile(r"\b(doc\d+)v(\d+)\b")


def test_churn_readers_never_fail_or_mix_generations(tmp_path: Path) -> None:
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(churn_text("base", 0), id="base")
    errors: list[str] = []
    asked = [0]
    stop = threading.Event()

    def reader(n: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                r = http.post("/ask", json={"question": f"harbour ferries {n}", "k": 8})
                asked[0] += 1
                if r.status_code != 200:
                    errors.append(f"{r.status_code}: {r.text}")
                    continue
                for p in r.json()["passages"]:
                    tag = TAG.search(p["quote"])
                    if p["document_id"] == "base" or tag is None:
                        continue
                    if tag.group(1) != p["document_id"]:
                        errors.append(f"a quote of {tag.group(1)} cited as {p['document_id']}")
                    text = churn_text(tag.group(1), int(tag.group(2)))
                    if text[p["start"] : p["end"]] != p["quote"]:
                        errors.append(f"quote of {tag.group(0)} does not match its offsets: {p}")

    visible_after: list[float] = []
    events: list[dict] = []

    def collect(lines) -> None:  # type: ignore[no-untyped-def]
        for line in lines:
            events.append(json.loads(line))

    def watch(writer: subprocess.Popen) -> None:
        """Sample publications: take the newest addition, time how long until a reader sees it."""
        checked: set[str] = set()
        with httpx.Client(base_url=url, timeout=30) as http:
            while writer.poll() is None:
                added = [e for e in events if e["event"] == "added" and e["doc"] not in checked]
                if not added:
                    time.sleep(0.01)
                    continue
                event = added[-1]
                checked.add(event["doc"])
                while http.get(f"/documents/{event['doc']}").status_code != 200:
                    if any(e["event"] == "removed" and e["doc"] == event["doc"] for e in events):
                        break
                    time.sleep(0.005)
                else:
                    visible_after.append(time.time() - event["at"])

    with running(create_app(Settings(data_dir=tmp_path), library=lib)) as url:
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.writer", "churn", str(tmp_path), str(SECONDS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        collector = threading.Thread(target=collect, args=(writer.stdout,))
        collector.start()
        watch(writer)
        collector.join(timeout=30)
        assert writer.wait(timeout=60) == 0
        stop.set()
        for t in threads:
            t.join(timeout=30)
    lib.close()

    print(
        f"churn: {asked[0]} answers in {SECONDS} s, {len(events)} publications, visibility sampled "
        f"{len(visible_after)}x, max {max(visible_after, default=0):.3f} s"
    )
    assert not errors, errors[:5]
    assert asked[0] > 100
    assert len(visible_after) > 20
    assert max(visible_after) < 1.0, sorted(visible_after)[-5:]
