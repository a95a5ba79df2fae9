"""The bundled model: verified weights, offline loading, normalised vectors."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings import BUNDLED_SHA256, ModelError, bundled_model_path, load_embedder
from embeddings.bundled import file_sha256


def test_weights_are_the_official_ones():
    path = bundled_model_path()
    assert file_sha256(path / "model.safetensors") == BUNDLED_SHA256


def test_changed_weights_are_an_error():
    with pytest.raises(ModelError, match="changed"):
        bundled_model_path(expected_sha256="0" * 64)


def test_unknown_model_is_not_downloaded(tmp_path):
    with pytest.raises(ModelError, match="never downloaded"):
        load_embedder("sentence-transformers/some-other-model")
    with pytest.raises(ModelError, match="cannot load"):
        load_embedder(str(tmp_path))  # a folder with no model in it


@pytest.mark.model
def test_real_vectors(real_embedder):
    assert real_embedder.dimension == 384
    assert BUNDLED_SHA256[:16] in real_embedder.name
    docs = real_embedder.embed_documents(
        ["The ferry is painted yellow.", "Tax revenue fell last year.", "Our boat is a bright yellow colour."]
    )
    assert docs.shape == (3, 384) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = real_embedder.embed_query("What colour is the boat?")
    scores = docs @ q
    assert scores[2] > scores[1] and scores[0] > scores[1]
    assert np.allclose(real_embedder.embed_documents(["The ferry is painted yellow."])[0], docs[0], atol=1e-5)
