"""One settings object, read from the environment (`RAG_*`) and overridden by flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, TypedDict

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import InvalidInput
from .ranker import Ranker, default_ranker, load_ranker
from .rerank import RERANKERS, Reranker, check_reranker, load_reranker
from .retriever import RetrievalConfig
from .vectors import IndexPolicy

if TYPE_CHECKING:
    from embeddings import Backend

__all__ = ["Settings"]


class LibraryOptions(TypedDict):
    """What `Settings` decides of `rag.Library.open` (typed, so a misspelt or mistyped option
    fails the type check rather than the call)."""

    lock_timeout: float
    max_document_bytes: int
    index_policy: IndexPolicy
    reranker: Reranker | None
    retrieval: RetrievalConfig
    public_url: str | None


class EmbedderOptions(TypedDict):
    """What `Settings` decides of `embeddings.load_embedder`."""

    backend: Backend
    cache_dir: Path
    query_backend: Backend | None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    data_dir: Path = Field(default=Path("rag-data"), description="Where the index lives.")
    root: Path | None = Field(
        default=None,
        description="A folder of collections, one data directory each (`/collections/{name}/…`).",
    )
    model: str | None = Field(
        default=None, description="A sentence-transformers model folder; default: the bundled model."
    )
    backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="onnx", description="Who runs the model: ONNX Runtime (fp32 or int8), or PyTorch."
    )
    query_backend: Literal["torch", "onnx", "onnx-int8"] | None = Field(
        default=None,
        description="Who encodes questions, where not `backend` (`onnx-int8` beside an `onnx` index: "
        "2 ms less a question, README: Speed); the index keeps `backend`'s vectors.",
    )
    model_cache: Path | None = Field(
        default=None, description="Where exported ONNX models are kept; default: DATA_DIR/models."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535, description="0: any free port.")
    max_question_chars: int = Field(default=2_000, ge=1)
    max_k: int = Field(default=50, ge=1)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="HTTP uploads.")
    max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1, description="Files read from disk.")
    max_title_chars: int = Field(default=500, ge=1, description="Titles given with an HTTP upload.")
    api_key: SecretStr | None = Field(
        default=None, description="When set, writes need `Authorization: Bearer <key>`."
    )
    api_keys: SecretStr | None = Field(
        default=None,
        description="Named keys with a scope: `name:read:key,name:write:key` or a JSON list of "
        "{name, scope, key}; `write` implies `read`. RAG_API_KEY, when set too, is a write key.",
    )
    api_keys_file: Path | None = Field(
        default=None, description="A file of keys: one `name:scope:key` a line (# comments), or JSON."
    )
    protect_reads: bool = Field(default=False, description="Ask for a key on reads too.")
    max_ask_bytes: int | None = Field(
        default=None,
        ge=1,
        description="Largest POST /ask body; default: enough for the longest question and the "
        "most filters with every character escaped (see ask_body_limit).",
    )
    rate_limit_per_key: float | None = Field(
        default=None, gt=0, description="Asks and uploads a minute per API key; default: no limit."
    )
    rate_limit_per_address: float | None = Field(
        default=None, gt=0, description="Asks and uploads a minute per client address; default: no limit."
    )
    rate_limit_burst: int = Field(
        default=10, ge=1, description="Requests allowed at once before a rate limit applies."
    )
    public_url: str | None = Field(
        default=None,
        description="Where the server is reached (`https://quotes.example.org`): permalinks become "
        "absolute; default: paths.",
    )
    docs: bool = Field(default=False, description="Serve Swagger UI at /docs (it loads from a CDN).")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed by CORS (`*`, a comma list or a JSON list); none: off.",
    )
    max_filter_items: int = Field(default=100, ge=1, description="Document ids or speakers per question.")
    background_upload_bytes: int = Field(
        default=1024 * 1024, ge=0, description="Uploads larger than this run as jobs (202)."
    )
    max_jobs_kept: int = Field(default=200, ge=1, description="Finished jobs remembered for GET /jobs/{id}.")
    write_wait: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a write waits for the writer lock (and, over HTTP, in the write queue) "
        "before giving up: `503 Busy` with `Retry-After`, or the CLI's one-line error.",
    )
    write_queue: int = Field(
        default=16, ge=1, description="HTTP writes (uploads, deletions, jobs) waiting at most; then 503 Busy."
    )

    index: Literal["auto", "flat", "ivf", "ivfpq"] = Field(
        default="auto", description="Vector index: exact (flat), IVF, IVF-PQ, or chosen by size (auto)."
    )
    ivf_min_chunks: int = Field(
        default=IndexPolicy().ivf_min_vectors, ge=1, description="Where auto turns to IVF."
    )
    nprobe: int = Field(default=IndexPolicy().nprobe, ge=1, description="IVF lists scanned per question.")
    ivfpq_min_chunks: int = Field(
        default=IndexPolicy().ivfpq_min_vectors, ge=1, description="Where auto turns to IVF-PQ."
    )

    ranker: str = Field(
        default="learned",
        description="`learned` (the boosted trees that ship, fitted on public train splits), "
        "`none` (the convex fusion with hand-set weights), or a JSON file written by "
        "benchmarks/train_ranker.py.",
    )
    ranker_scored: int | None = Field(
        default=None,
        ge=0,
        description="How many candidates the learned ranker scores in full, the best by a first "
        "look (its first trees); 0: all. Unset: the number its file records, chosen when it was "
        "fitted.",
    )
    reranker_kind: str = Field(
        default="cross-encoder",
        description="cross-encoder: a sentence-transformers CrossEncoder folder; onnx: a model.onnx "
        "with tokenizer.json beside it.",
    )
    reranker: Path | None = Field(
        default=None,
        description="A cross-encoder that re-orders the top passages (a local path, never downloaded); "
        "default: none.",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """`RAG_CORS_ORIGINS` is `*`, `https://a.org,https://b.org` or a JSON list."""
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON list of origins ({exc.msg})") from None
        return [origin.strip() for origin in value.split(",") if origin.strip()]

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        """An absolute http(s) URL without a query: permalinks are appended to it."""
        if url is None or not url.strip():
            return None
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")) or "?" in url or "#" in url:
            raise ValueError(f"RAG_PUBLIC_URL {url!r} must be an http(s) URL without query or fragment")
        return url

    @field_validator("api_key")
    @classmethod
    def _key_not_blank(cls, key: SecretStr | None) -> SecretStr | None:
        """An empty key would make every write fail: unset it to run without one."""
        if key is not None and not key.get_secret_value().strip():
            raise ValueError("RAG_API_KEY is empty; unset it to run without a key, or set a real key")
        return key

    @field_validator("rate_limit_per_key", "rate_limit_per_address", "max_ask_bytes", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`RAG_RATE_LIMIT_PER_KEY=` (or any of these set to nothing) leaves the setting off."""
        return None if isinstance(value, str) and not value.strip() else value

    def ask_body_limit(self) -> int:
        """Bytes a POST /ask body may have: the longest question with every character written
        as a surrogate-pair escape (12 bytes), each filter at its most items of 256 characters
        escaped (6 bytes each), and 4 KiB for the rest. 335 KB with the defaults."""
        if self.max_ask_bytes is not None:
            return self.max_ask_bytes
        return 4096 + 12 * self.max_question_chars + 2 * self.max_filter_items * 6 * 256

    @field_validator("reranker_kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in RERANKERS:
            raise ValueError(f"unknown re-ranker kind {kind!r}; one of {', '.join(RERANKERS)}")
        return kind

    @field_validator("reranker", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """`RAG_RERANKER=` turns re-ranking off (an empty path would be the current folder)."""
        return None if value == "" else value

    @field_validator("reranker")
    @classmethod
    def _reranker_exists(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        """A mistyped re-ranker path fails when the settings are read, before anything loads."""
        kind = info.data.get("reranker_kind")
        if path is not None and kind is not None:  # None: the kind failed already
            try:
                check_reranker(kind, path.expanduser())
            except InvalidInput as exc:
                raise ValueError(str(exc)) from None
        return path

    def library_options(self, *, rerank: bool = True) -> LibraryOptions:
        """Keyword arguments for `rag.Library.open`. With `rerank`, the configured re-ranker is
        loaded here (seconds for a PyTorch model): commands that never ask pass False."""
        return {
            "lock_timeout": self.write_wait,
            "max_document_bytes": self.max_document_bytes,
            "index_policy": IndexPolicy(self.index, self.ivf_min_chunks, self.nprobe, self.ivfpq_min_chunks),
            "reranker": load_reranker(self.reranker, self.reranker_kind) if rerank else None,
            "retrieval": RetrievalConfig(ranker=self._ranker(), scored=self.ranker_scored),
            "public_url": self.public_url or None,
        }

    def _ranker(self) -> Ranker | None:
        if self.ranker == "none":
            return None
        if self.ranker == "learned":
            return default_ranker()
        try:
            return load_ranker(Path(self.ranker))
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"RAG_RANKER={self.ranker!r} is no ranker file: {exc}") from None

    def embedder_options(self, *, questions: bool = True) -> EmbedderOptions:
        """Keyword arguments for `embeddings.load_embedder`; without `questions`, for a process
        that only encodes documents (an indexing worker)."""
        return {
            "backend": self.backend,
            "cache_dir": self.model_cache or self.data_dir / "models",
            "query_backend": self.query_backend if questions else None,
        }
