"""Load: sustained `ask` throughput and latency over HTTP against a real `rag serve`.

    python benchmarks/load.py [--chunks 10000] [--users 8] [--seconds 30]

Builds (once, cached under benchmarks/.data/) an index of real transcripts and QMSum
meetings, starts `rag serve` on loopback, drives it with locust (headless, closed loop)
and prints requests per second, p50/p99 latency and the error count.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from corpus import ROOT, build, questions, shared_dir

from embeddings import load_embedder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            sys.exit("rag serve exited before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    sys.exit("rag serve was not ready in time")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()

    shared = shared_dir()
    data = args.data_dir or ROOT / "benchmarks" / ".data" / f"corpus-{args.chunks}"
    lib = build(data, args.chunks, load_embedder())
    chunks = lib.status().chunks
    lib.close()

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    rag = Path(sys.executable).with_name("rag")
    server = subprocess.Popen(
        [str(rag), "serve", "--data-dir", str(data), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = _wait_ready(url, server)
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "RAG_BENCH_QUESTIONS": json.dumps(questions(shared))}
            subprocess.run(
                [
                    str(Path(sys.executable).with_name("locust")),
                    "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                    "--headless", "--only-summary",
                    "-u", str(args.users), "-r", str(args.users),
                    "-t", f"{args.seconds}s",
                    "--host", url,
                    "--csv", f"{tmp}/load",
                ],
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            with open(f"{tmp}/load_stats.csv", newline="") as fh:
                row = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"index: {chunks} chunks; server ready in {ready:.1f} s")
    print(f"load: {args.users} users, {args.seconds} s, closed loop, POST /ask k=5 (hybrid)")
    print(
        f"requests {row['Request Count']}, errors {row['Failure Count']}, "
        f"{float(row['Requests/s']):.1f} req/s, p50 {row['50%']} ms, p99 {row['99%']} ms"
    )


if __name__ == "__main__":
    main()
