"""The ONNX Runtime backend gives the PyTorch model's vectors (int8: nearly), from a cache."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from embeddings import ModelError, load_embedder
from embeddings.onnx import OnnxEmbedder

pytest.importorskip("onnxruntime")

TEXTS = [
    "The ferry is painted bright yellow.",
    "Minister: We export about twenty-five billion cubic metres of gas a year, mostly to Europe.",
    "Q: Where does it sail?\nA: To the island, twice a day, and on Sundays only in the morning.",
    "Short.",
]


@pytest.mark.model
def test_onnx_vectors_match_pytorch_and_the_export_is_cached(
    tmp_path: Path, real_embedder, caplog: pytest.LogCaptureFixture
) -> None:
    reference = real_embedder.embed_documents(TEXTS)
    fp32 = load_embedder(backend="onnx", cache_dir=tmp_path)
    assert fp32.name == real_embedder.name and fp32.dimension == real_embedder.dimension
    cos = (fp32.embed_documents(TEXTS) * reference).sum(axis=1)
    assert cos.min() > 0.9999
    assert float(fp32.embed_query(TEXTS[1]) @ reference[1]) > 0.9999

    with caplog.at_level(logging.INFO):
        int8 = load_embedder(backend="onnx-int8", cache_dir=tmp_path)
    assert "quantization" not in caplog.text  # ONNX Runtime's advice, on the root logger, is noise
    assert int8.name == real_embedder.name + "+onnx-int8"  # its vectors need their own index
    vectors = int8.embed_documents(TEXTS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.95

    [exported] = [p for p in tmp_path.iterdir() if p.name.endswith("-int8.onnx")]
    stamp = exported.stat().st_mtime_ns
    load_embedder(backend="onnx-int8", cache_dir=tmp_path)
    assert exported.stat().st_mtime_ns == stamp  # loaded from the cache, not exported again

    # questions by the int8 build, documents by fp32: the index keeps fp32's vectors and name
    split = load_embedder(backend="onnx", cache_dir=tmp_path, query_backend="onnx-int8")
    assert split.name == real_embedder.name and split.dimension == real_embedder.dimension
    assert np.array_equal(split.embed_documents(TEXTS), fp32.embed_documents(TEXTS))
    question = split.embed_query(TEXTS[1])
    assert np.array_equal(question, int8.embed_query(TEXTS[1]))
    assert 0.95 < float(question @ reference[1]) < 0.9999


def test_unknown_backend_and_other_pooling_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unknown backend"):
        load_embedder(backend="tensorflow", cache_dir=tmp_path)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="unknown backend 'int4'"):
        load_embedder(backend="onnx", cache_dir=tmp_path, query_backend="int4")  # type: ignore[arg-type]
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ]
        )
    )
    (model / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_cls_token": True}))
    with pytest.raises(ModelError, match="mean pooling"):
        OnnxEmbedder(model, tmp_path / "cache", name="cls")
