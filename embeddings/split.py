"""One model, two builds: documents encoded as the index stores them, questions by a faster one.

A question is encoded while its asker waits, a document once; an int8 build encodes one faster
on a CPU (README: Speed) and its vectors lie close to fp32's (cosine about 0.99), so questions
can take it while the index keeps the exact vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Embedder, Progress
from .errors import ModelError

__all__ = ["SplitEmbedder", "question_encoder"]


class SplitEmbedder:
    """Documents by `documents`, whose vectors the index stores (so its name is the name);
    questions by `queries`, another build of the same model."""

    def __init__(self, documents: Embedder, queries: Embedder) -> None:
        if documents.dimension != queries.dimension:
            raise ModelError(
                f"the question encoder gives {queries.dimension} dimensions, the document "
                f"encoder {documents.dimension}: they must be builds of one model"
            )
        self.documents = documents
        self.queries = queries
        self.name = documents.name
        self.dimension = documents.dimension

    def embed_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        return self.documents.embed_documents(texts, progress=progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self.queries.embed_query(text)


def question_encoder(embedder: Embedder) -> Embedder:
    """Who encodes an embedder's questions: what a cache of question-side scores is keyed by."""
    return embedder.queries if isinstance(embedder, SplitEmbedder) else embedder
