"""Load: sustained `ask` throughput and latency over HTTP against a real `rag serve`.

    python benchmarks/load.py [--chunks 10000] [--users 8] [--seconds 30]
                              [--client locust|plain|paired] [--workers N] [--connections N]

Builds (once, cached under benchmarks/.data/) an index of real transcripts and QMSum
meetings, starts `rag serve` on loopback, drives it with locust (headless, closed loop)
and prints requests per second, p50/p99 latency and the error count. `--client plain` is
one keep-alive connection asking in turn from this process: the server's own latency,
without a load generator taking a share of the same two cores. `--client paired` asks each
question twice in turn, of the server and of the same library opened here as `rag serve`
opens it (the order alternating), so both see the same load on a shared machine: the
per-question difference is what HTTP adds.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from corpus import ROOT, build, questions, shared_dir

from embeddings import load_embedder
from rag import Library
from rag.settings import Settings


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


def _peak_rss_mb(pid: int) -> float:
    """The process's high-water resident memory (Linux /proc), 0 where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--client", choices=["locust", "plain", "paired"], default="locust")
    parser.add_argument("--workers", type=int, default=1, help="`rag serve --workers N`")
    parser.add_argument("--connections", type=int, default=1, help="`--client plain`: parallel connections")
    args = parser.parse_args()

    shared = shared_dir()
    data = args.data_dir or ROOT / "benchmarks" / ".data" / f"corpus-{args.chunks}"
    lib = build(data, args.chunks, load_embedder(backend="onnx", cache_dir=data.parent / "models"))
    chunks = lib.status().chunks
    lib.close()

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    rag = Path(sys.executable).with_name("rag")
    server = subprocess.Popen(
        [str(rag), "serve", "--data-dir", str(data), "--port", str(port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = _wait_ready(url, server)
        if args.workers > 1:
            time.sleep(20)  # /readyz answered by the first process up; let the others load too
        if args.client == "paired":
            row = _paired(port, data, questions(shared), args.seconds)
        elif args.client == "plain":
            row = _plain(port, questions(shared), args.seconds, args.connections)
        else:
            row = _locust(url, questions(shared), args.users, args.seconds)
        peak_mb = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    _report(args, data, chunks, ready, peak_mb, row)


def _locust(url: str, asked: list[str], users: int, seconds: float) -> dict[str, str]:
    """locust, headless, closed loop: its summary row of the run."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RAG_BENCH_QUESTIONS": json.dumps(asked)}
        subprocess.run(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                "--headless", "--only-summary",
                "-u", str(users), "-r", str(users),
                "-t", f"{seconds}s",
                "--host", url,
                "--csv", f"{tmp}/load",
            ],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with open(f"{tmp}/load_stats.csv", newline="") as fh:
            return next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")


def _post_ask(conn: http.client.HTTPConnection, question: str) -> bool:
    body = json.dumps({"question": question, "k": 5})
    conn.request("POST", "/ask", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status == 200


def _plain(port: int, asked: list[str], seconds: float, connections: int = 1) -> dict[str, str]:
    """`connections` keep-alive connections (a thread each), each asking one question at a
    time, in the locust summary's terms."""
    latencies: list[float] = []
    failures = [0]
    start = time.perf_counter()

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = offset
        while time.perf_counter() - start < seconds:
            t = time.perf_counter()
            ok = _post_ask(conn, asked[n % len(asked)])
            latencies.append((time.perf_counter() - t) * 1000)
            failures[0] += not ok
            n += connections

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "Request Count": str(len(latencies)),
        "Failure Count": str(failures[0]),
        "Requests/s": str(len(latencies) / elapsed),
        **_percentiles(latencies),
    }


def _paired(port: int, data: Path, asked: list[str], seconds: float) -> dict[str, str]:
    """Each question of the server (one keep-alive connection) and of a library opened here
    with the server's settings (model, ranker, index policy), one after the other, the first
    of the two alternating; the plain client's row for the server's side."""
    settings = Settings(data_dir=data)
    embedder = load_embedder(settings.model, **settings.embedder_options())
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    over_http: list[float] = []
    in_process: list[float] = []
    failures = 0
    with Library.open(data, embedder=embedder, **settings.library_options()) as lib:
        lib.status()  # the search files loaded, as the server loads them before it is ready
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            question = asked[n % len(asked)]
            for side in (0, 1) if n % 2 else (1, 0):
                t = time.perf_counter()
                if side:
                    failures += not _post_ask(conn, question)
                    over_http.append((time.perf_counter() - t) * 1000)
                else:
                    lib.ask(question, k=5)
                    in_process.append((time.perf_counter() - t) * 1000)
            n += 1
    differences = [h - p for h, p in zip(over_http, in_process, strict=True)]
    here, diff = _percentiles(in_process), _percentiles(differences)
    return {
        "Request Count": str(len(over_http)),
        "Failure Count": str(failures),
        "Requests/s": str(len(over_http) / (sum(over_http) / 1000)),  # while asking the server
        **_percentiles(over_http),
        "in process": f"p50 {here['50%']} ms, p99 {here['99%']} ms",
        "difference": f"p50 {diff['50%']} ms, p99 {diff['99%']} ms",
    }


def _percentiles(latencies: list[float]) -> dict[str, str]:
    ordered = sorted(latencies)
    return {
        "50%": f"{ordered[len(ordered) // 2]:.1f}",
        "99%": f"{ordered[int(len(ordered) * 0.99)]:.1f}",
    }


def _report(
    args: argparse.Namespace, data: Path, chunks: int, ready: float, peak_mb: float, row: dict[str, str]
) -> None:
    print(f"index: {chunks} chunks; server ready in {ready:.1f} s, its peak RSS {peak_mb:.0f} MB")
    sizes = {p.name: _size_mb(p) for p in sorted(data.iterdir()) if p.name != "models"}
    print("on disk: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in sizes.items() if mb >= 0.5))
    users = {
        "plain": f"{args.connections} connection(s) (plain client)",
        "paired": "1 connection, each question also asked in this process (paired client)",
        "locust": f"{args.users} users (locust)",
    }[args.client]
    users += f", {args.workers} server processes" if args.workers > 1 else ""
    print(f"load: {users}, {args.seconds} s, closed loop, POST /ask k=5 (hybrid)")
    print(
        f"requests {row['Request Count']}, errors {row['Failure Count']}, "
        f"{float(row['Requests/s']):.1f} req/s, p50 {row['50%']} ms, p99 {row['99%']} ms"
    )
    if "in process" in row:
        print(f"the same questions in process: {row['in process']}")
        print(f"over HTTP minus in process, question by question: {row['difference']}")


if __name__ == "__main__":
    main()
