"""Issue 18, item 8: rate limits per key and per client address on asks and uploads (429 JSON
with Retry-After), off unless turned on."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api import create_app
from api.ratelimit import RateLimiter
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

from .server import AUTH, KEY, QA, running


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.wait("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait("a") == pytest.approx(1.0)  # one a second: the next in 1 s
    assert limiter.wait("b") == 0  # buckets are per name
    clock.now += 0.5
    assert limiter.wait("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.wait("a") == 0
    clock.now += 3600
    assert [limiter.wait("a") for _ in range(4)][-1] > 0  # refills to the burst, no further


def test_a_flood_of_names_does_not_grow_the_table_without_end() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock, max_names=100)
    for i in range(1000):
        limiter.wait(f"10.0.{i // 256}.{i % 256}")
        clock.now += 0.001
    assert len(limiter._buckets) <= 100


def _app(tmp_path: Path, **options: object):  # type: ignore[no-untyped-def]
    lib = Library.open(tmp_path, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry")
    return lib, create_app(Settings(data_dir=tmp_path, **options), library=lib)  # type: ignore[arg-type]


def _limited(r: httpx.Response) -> dict:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert int(r.headers["retry-after"]) >= 1
    return r.json()


def test_asks_and_uploads_are_limited_per_address(tmp_path: Path) -> None:
    lib, app = _app(tmp_path, rate_limit_per_address=6, rate_limit_burst=2)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert http.post("/ask", json={"question": "ferry"}).status_code == 200
        assert http.post("/documents", json={"text": QA, "id": "b"}).status_code == 201
        body = _limited(http.post("/ask", json={"question": "ferry"}))
        assert body["error"] == "TooManyRequests" and "address" in body["detail"]
        assert int(http.post("/documents", json={"text": QA, "id": "c"}).headers["retry-after"]) == 10
        for _ in range(5):  # reads other than asks are not limited
            assert http.get("/documents").status_code == 200
        assert http.get("/documents/c").status_code == 404  # the refused upload did nothing
    lib.close()


def test_asks_are_limited_per_key(tmp_path: Path) -> None:
    lib, app = _app(
        tmp_path, api_key=KEY, api_keys="ann:read:ann-secret", rate_limit_per_key=60, rate_limit_burst=2
    )
    ann = {"authorization": "Bearer ann-secret"}
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(2):
            assert http.post("/ask", json={"question": "ferry"}, headers=ann).status_code == 200
        assert "key" in _limited(http.post("/ask", json={"question": "ferry"}, headers=ann))["detail"]
        # another key, and no key, from the same address are not held back by ann's bucket
        assert http.post("/ask", json={"question": "ferry"}, headers=AUTH).status_code == 200
        assert http.post("/ask", json={"question": "ferry"}).status_code == 200
    lib.close()


def test_a_request_refused_by_one_limit_costs_nothing_from_the_other(tmp_path: Path) -> None:
    lib, app = _app(
        tmp_path, api_key=KEY, rate_limit_per_key=60, rate_limit_per_address=60, rate_limit_burst=2
    )
    elsewhere = httpx.HTTPTransport(local_address="127.0.0.2")  # another client address
    with (
        running(app) as url,
        httpx.Client(base_url=url, timeout=30) as http,
        httpx.Client(base_url=url, timeout=30, transport=elsewhere) as other,
    ):
        for _ in range(2):
            assert http.post("/ask", json={"question": "ferry"}).status_code == 200  # address: 0 left
        for _ in range(3):
            refused = _limited(http.post("/ask", json={"question": "ferry"}, headers=AUTH))
            assert "address" in refused["detail"]
        for _ in range(2):  # the key's burst is whole: the refused requests took none of it
            assert other.post("/ask", json={"question": "ferry"}, headers=AUTH).status_code == 200
        assert "key" in _limited(other.post("/ask", json={"question": "ferry"}, headers=AUTH))["detail"]
    lib.close()


def test_there_are_no_limits_by_default(tmp_path: Path) -> None:
    lib, app = _app(tmp_path)
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        assert all(http.post("/ask", json={"question": "ferry"}).status_code == 200 for _ in range(40))
    lib.close()
