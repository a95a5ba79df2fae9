"""Embedding models behind one small interface."""

from .base import Embedder, Progress
from .bundled import BUNDLED_MODEL, BUNDLED_SHA256, bundled_model_path
from .errors import ModelError
from .sentence_transformer import BACKENDS, Backend, SentenceTransformerEmbedder, load_embedder

__all__ = [
    "BACKENDS",
    "BUNDLED_MODEL",
    "BUNDLED_SHA256",
    "Backend",
    "Embedder",
    "ModelError",
    "Progress",
    "SentenceTransformerEmbedder",
    "bundled_model_path",
    "load_embedder",
]
