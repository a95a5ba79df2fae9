"""Schemathesis (issue 18, fuzz): requests generated from the app's own OpenAPI schema, for every
operation, without a key and with each kind of key, never get a 5xx, and a request under 10 KB
never gets an answer over 1 MB. Bounded (a few examples an operation) so the suite stays quick;
`FUZZ_EXAMPLES=500` runs it longer."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

QA = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n"
READ, WRITE = "fuzz-read-key", "fuzz-write-key"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SMALL_REQUEST, LARGE_ANSWER = 10 * 1024, 1024 * 1024

pytestmark = pytest.mark.fuzz


def _app(**options: object):  # type: ignore[no-untyped-def]
    """Built once at collection: schemathesis needs the schema to generate the test cases."""
    data = Path(tempfile.mkdtemp(prefix="rag-schema-"))
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    lib = Library.open(data, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry")
    return create_app(Settings(data_dir=data, max_upload_bytes=20_000, **options), library=lib)  # type: ignore[arg-type]


open_schema = schemathesis.openapi.from_asgi("/openapi.json", _app())
keyed_schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    _app(api_keys=f"reader:read:{READ},writer:write:{WRITE}", protect_reads=True),
    headers={"authorization": f"Bearer {READ}"},
)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def _request_size(body: object) -> int:
    if body is None:
        return 0
    return len(body.encode() if isinstance(body, str) else body)  # type: ignore[arg-type]


def _check(case, headers: dict[str, str] | None = None) -> None:  # type: ignore[no-untyped-def]
    """No 5xx, and every other check schemathesis has (statuses, headers and bodies as the
    schema documents them; invalid data refused) but one: a schema-valid file need not be a
    transcript (a PNG is refused, rightly, with a documented 400)."""
    response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
    sent = _request_size(response.request.body)
    assert response.status_code < 500, f"{response.status_code}: {response.content[:500]!r}"
    if sent < SMALL_REQUEST:
        assert response.content_size <= LARGE_ANSWER, f"{response.content_size} bytes for {sent}"


@open_schema.parametrize()
@FUZZ
def test_no_key(case) -> None:  # type: ignore[no-untyped-def]
    _check(case)


@keyed_schema.parametrize()
@pytest.mark.parametrize("key", [None, READ, WRITE, "wrong-key"], ids=["none", "read", "write", "wrong"])
@FUZZ
def test_with_keys(case, key: str | None) -> None:  # type: ignore[no-untyped-def]
    _check(case, {"authorization": f"Bearer {key}"} if key else {})
