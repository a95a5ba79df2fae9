"""Shared fixtures: a deterministic fake embedder, the real model, and `../shared` data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def real_embedder():
    from embeddings import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"shared data not found at {SHARED}: these tests read the real transcripts there")
    return SHARED


@pytest.fixture
def fixture_text():
    def read(name: str) -> str:
        return (FIXTURES / name).read_bytes().decode("utf-8")

    return read
