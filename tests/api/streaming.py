"""A raw HTTP/1.1 client that streams a large chunked body while watching for an early answer,
and a server process whose memory can be read: what httpx cannot show (it sends the whole body
before it reads a response)."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from .server import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Streamed:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes sent before the answer came (or the server stopped reading)
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body)


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return status, headers, body


def _complete(raw: bytes) -> bool:
    if b"\r\n\r\n" not in raw:
        return False
    _, headers, body = _parse(raw)
    return "content-length" in headers and len(body) >= int(headers["content-length"])


def stream(
    base: str,
    path: str,
    *,
    first: bytes,
    filler: bytes,
    total: int,
    headers: dict[str, str] | None = None,
    chunked: bool = True,
    timeout: float = 60.0,
) -> Streamed:
    """POST `first` then `filler` repeated up to `total` bytes, chunked (no Content-Length)
    unless `chunked` is False (then Content-Length says `total`); stop sending as soon as the
    server answers."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    lines = [f"POST {path} HTTP/1.1", f"host: {host}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("transfer-encoding: chunked" if chunked else f"content-length: {total}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    start, sent, raw = time.monotonic(), 0, b""
    try:
        piece = first
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = piece[: total - sent]
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
            piece = filler
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed after answering: the answer is waiting to be read
    try:
        while not _complete(raw):
            data = sock.recv(65536)
            if not data:
                break
            raw += data
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    if not raw:
        raise AssertionError(f"no answer after sending {sent} bytes")
    status, got, body = _parse(raw)
    return Streamed(status, got, body, sent, time.monotonic() - start)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@contextmanager
def server_process(data: Path, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """`tests.api.fake_server` in its own process; yields its URL and pid."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.api.fake_server", str(data), str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server process did not start")
            time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)
