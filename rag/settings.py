"""One settings object, read from the environment (`RAG_*`) and overridden by flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    data_dir: Path = Field(default=Path("rag-data"), description="Where the index lives.")
    model: str | None = Field(
        default=None, description="A sentence-transformers model folder; default: the bundled model."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_question_chars: int = Field(default=2_000, ge=1)
    max_k: int = Field(default=50, ge=1)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="HTTP uploads.")
    max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="Files read from disk.")
