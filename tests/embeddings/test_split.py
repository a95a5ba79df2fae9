"""Questions by one encoder, documents by another build of the same model."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import ModelError
from embeddings.split import SplitEmbedder
from tests.fakes import FakeEmbedder


class Flipped(FakeEmbedder):
    """Another "build": its question vectors are not the documents' build's."""

    def embed_query(self, text: str) -> np.ndarray:
        return -super().embed_query(text)


def test_documents_and_their_name_from_one_questions_from_the_other() -> None:
    documents, questions = FakeEmbedder(name="exact"), Flipped(name="fast")
    split = SplitEmbedder(documents, questions)
    assert split.name == "exact" and split.dimension == documents.dimension
    texts = ["The ferry sails at noon.", "Who pays for the dredging?"]
    seen: list[int] = []
    assert np.array_equal(
        split.embed_documents(texts, progress=seen.append), documents.embed_documents(texts)
    )
    assert sum(seen) == 2
    assert np.array_equal(split.embed_query(texts[1]), questions.embed_query(texts[1]))
    assert not np.array_equal(split.embed_query(texts[1]), documents.embed_query(texts[1]))


def test_builds_of_different_models_are_refused() -> None:
    with pytest.raises(ModelError, match="32 dimensions, the document encoder 64"):
        SplitEmbedder(FakeEmbedder(dimension=64), FakeEmbedder(dimension=32))
