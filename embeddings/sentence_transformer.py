"""A sentence-transformers model as an `Embedder`, loaded from a local folder only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from .base import Embedder, Progress
from .bundled import BUNDLED_MODEL, BUNDLED_SHA256, bundled_model_path
from .errors import ModelError

__all__ = ["BACKENDS", "Backend", "SentenceTransformerEmbedder", "load_embedder"]


class SentenceTransformerEmbedder:
    """Batched encoding with normalised vectors, so inner product is cosine similarity."""

    def __init__(self, path: Path, *, name: str, batch_size: int = 32, device: str = "cpu") -> None:
        # Never reach for a hub: the model must already be on disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a weight-loading bar on every CLI call is noise

        try:
            self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load a sentence-transformers model from {path}: {exc}") from exc
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise ModelError(f"the model at {path} does not report an embedding dimension")
        self.name = name
        self.dimension = int(dim)
        self.batch_size = batch_size
        self.max_tokens = int(self._model.max_seq_length or 256)  # the bundled model's

    def embed_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 4
        for i in range(0, len(texts), step):
            batch = list(texts[i : i + step])
            out[i : i + len(batch)] = self._encode(batch)
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")


def load_embedder(
    model: str | None = None,
    *,
    backend: Backend = "torch",
    cache_dir: Path | None = None,
    batch_size: int | None = None,
    query_backend: Backend | None = None,
) -> Embedder:
    """The bundled model by default, or a sentence-transformers model folder given by path,
    run by PyTorch or by ONNX Runtime (exported once into `cache_dir`, fp32 or int8).
    `query_backend`, where given and not `backend`, encodes questions only (`SplitEmbedder`):
    the index keeps `backend`'s vectors and name.

    The name recorded with an index includes the weights' hash for the bundled model, so a
    changed model cannot be mixed with vectors from the old one. ONNX fp32 gives the same
    vectors as PyTorch (cosine 1.0) and shares its name; int8 vectors differ slightly
    (cosine about 0.99), so they carry their own name and need their own index.
    `batch_size` defaults to 32 for PyTorch and 8 for ONNX Runtime (length-sorted batches of
    8 encode 15% faster than 32 on two cores: less padding, warmer caches).
    """
    for given in (backend, query_backend or backend):
        if given not in BACKENDS:
            raise ModelError(f"unknown backend {given!r}; choose from {', '.join(BACKENDS)}")
    if model in (None, "", BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"):
        path = bundled_model_path()
        name = f"{BUNDLED_MODEL}@sha256:{BUNDLED_SHA256[:16]}"
    else:
        path = Path(model).expanduser()
        if not path.is_dir():
            raise ModelError(
                f"model {model!r} is not a folder on disk; models are never downloaded at run time: "
                "give the path of a sentence-transformers model folder"
            )
        name = str(path.resolve())
    documents = _build(path, name, backend, cache_dir, batch_size)
    if query_backend is None or query_backend == backend:
        return documents
    from .split import SplitEmbedder

    # one thread: a question is a few tokens, which a second thread does not encode any faster
    # (README: Speed), and the search right after it needs the other core
    return SplitEmbedder(documents, _build(path, name, query_backend, cache_dir, batch_size, threads=1))


def _build(
    path: Path,
    name: str,
    backend: Backend,
    cache_dir: Path | None,
    batch_size: int | None,
    threads: int | None = None,
) -> Embedder:
    if backend == "torch":
        return SentenceTransformerEmbedder(path, name=name, batch_size=batch_size or 32)
    from .onnx import OnnxEmbedder

    int8 = backend == "onnx-int8"
    if cache_dir is None:
        raise ModelError("the ONNX backend needs a folder to keep the exported model in")
    return OnnxEmbedder(
        path,
        cache_dir,
        name=name + ("+onnx-int8" if int8 else ""),
        int8=int8,
        batch_size=batch_size or 8,
        threads=threads,
    )
