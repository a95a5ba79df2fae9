"""Schemathesis: requests generated from the app's own OpenAPI schema never get a 5xx."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api import create_app
from rag import Library
from rag.settings import Settings
from tests.fakes import FakeEmbedder

QA = "Q: What colour is the ferry?\nA: The ferry is painted bright yellow.\n"


def _app():  # type: ignore[no-untyped-def]
    """Built once at collection: schemathesis needs the schema to generate the test cases."""
    data = Path(tempfile.mkdtemp(prefix="rag-schema-"))
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    lib = Library.open(data, embedder=FakeEmbedder())
    lib.add_text(QA, id="ferry")
    return create_app(Settings(data_dir=data, max_upload_bytes=20_000), library=lib)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=[not_a_server_error])
