"""What the settings decide of the model: who encodes documents and who encodes questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.settings import Settings


def test_questions_may_take_another_build_but_an_indexing_worker_never_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("RAG_BACKEND", "RAG_MODEL_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAG_QUERY_BACKEND", "onnx-int8")
    settings = Settings(data_dir=tmp_path)
    assert settings.embedder_options() == {
        "backend": "onnx",
        "cache_dir": tmp_path / "models",
        "query_backend": "onnx-int8",
    }
    assert settings.embedder_options(questions=False)["query_backend"] is None


def test_by_default_questions_take_the_index_s_own_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_QUERY_BACKEND", raising=False)
    assert Settings().embedder_options()["query_backend"] is None


def test_an_unknown_question_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_QUERY_BACKEND", "int4")
    with pytest.raises(ValidationError, match="query_backend"):
        Settings()
