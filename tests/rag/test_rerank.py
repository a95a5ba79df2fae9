"""The re-ranker seam: a fake shows the order comes from it, a tiny random cross-encoder (built
here, never downloaded) shows the real classes plug in, and bad configuration fails clearly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag import InvalidInput, Library
from rag.rerank import (
    RERANKERS,
    CrossEncoderReranker,
    OnnxCrossEncoderReranker,
    Reranker,
    load_reranker,
    rerank,
)
from rag.settings import Settings
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]

DOCS = {
    "harbour": """Q: What colour is the ferry?
A: The ferry is painted bright yellow so that fishermen can see it in fog.

Q: Where does the ferry sail?
A: The ferry sails between the harbour and the island twice a day.

Q: Who pays for the ferry?
A: The town council pays for the ferry out of the harbour budget.
""",
    "council": """Q: What did the council decide about the budget?
A: The council cut the harbour budget and raised the water tax.

Q: Why did the water tax rise?
A: The water tax rose because the old pipes under the city leak.

Q: What about the schools?
A: The schools keep their budget, and the council builds one new school.
""",
    "weather": """Q: How was the rain this year?
A: The rain came late, and the harbour flooded twice in the spring.

Q: Did the ferry stop in the storm?
A: The ferry stopped for three days while the storm passed over the island.
""",
}
WORDS = sorted({w.strip(".,?:").lower() for text in DOCS.values() for w in text.split()} - {""})


def _library(path: Path, reranker: Reranker | None = None) -> Library:
    lib = Library.open(path, embedder=FakeEmbedder(), reranker=reranker)
    for doc_id, text in DOCS.items():
        lib.add_text(text, id=doc_id)
    return lib


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BERT cross-encoder with random weights and a hand-made WordPiece vocabulary."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *".,?:"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=128,
        num_labels=1,
        initializer_range=0.2,  # the default 0.02 scores every pair almost alike
    )
    BertForSequenceClassification(config).eval().save_pretrained(folder)
    vocab_file = str(folder / "vocab.txt")  # transformers 5 reads `vocab`, 4 `vocab_file`
    tokenizer = BertTokenizerFast(vocab=vocab_file, vocab_file=vocab_file, model_max_length=128)
    assert tokenizer.tokenize("the ferry.") == ["the", "ferry", "."]
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_onnx(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same model exported to ONNX, its tokenizer.json beside it."""
    import torch
    from transformers import BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-onnx")
    for name in ("tokenizer.json", "tokenizer_config.json", "config.json"):
        shutil.copy(tiny_model / name, folder / name)
    model = BertForSequenceClassification.from_pretrained(tiny_model).eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(folder / "model.onnx"),
            input_names=names,
            output_names=["logits"],
            dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in names}, "logits": {0: "batch"}},
            dynamo=False,
        )
    return folder / "model.onnx"


class Reverse:
    """Scores the candidates in reverse of the order given, and remembers what it was given."""

    name = "reverse"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        self.seen = list(passages)
        return [float(i) for i in range(len(passages))]


class Recording:
    """A real re-ranker, with the candidates and scores it gave kept for the test to check."""

    def __init__(self, inner: Reranker) -> None:
        self.inner, self.name = inner, inner.name
        self.seen: list[tuple[str, float]] = []

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        scores = self.inner.score(question, passages)
        self.seen = list(zip(passages, scores, strict=True))
        return scores


# -- the seam ---------------------------------------------------------------------------


@dataclass
class _Cand:
    document_id: str
    start: int
    end: int
    rerank_score: float | None = None


def test_rerank_orders_by_score_keeps_ties_and_records_the_score() -> None:
    cands = [_Cand("d", 0, 1), _Cand("d", 1, 2), _Cand("d", 2, 3), _Cand("d", 3, 4)]

    class Fixed:
        name = "fixed"

        def score(self, question: str, passages: Sequence[str]) -> list[float]:
            return [0.1, 0.9, 0.1, 0.5]

    out = rerank(Fixed(), "q", cands, lambda d, a, b: f"{d}{a}{b}")
    assert [c.start for c in out] == [1, 3, 0, 2]  # the two 0.1s keep their order
    assert [c.rerank_score for c in cands] == [0.1, 0.9, 0.1, 0.5]
    assert rerank(None, "q", cands, lambda d, a, b: "") is cands


def test_a_reranker_that_miscounts_is_refused() -> None:
    class Short:
        name = "short"

        def score(self, question: str, passages: Sequence[str]) -> list[float]:
            return [1.0]

    with pytest.raises(ValueError, match="1 scores for 2 passages"):
        rerank(Short(), "q", [_Cand("d", 0, 1), _Cand("d", 1, 2)], lambda d, a, b: "")


def test_library_ask_takes_its_order_from_the_reranker(tmp_path: Path) -> None:
    question = "what did the council say about the harbour budget"
    plain = _library(tmp_path / "plain").ask(question, k=2)
    fake = Reverse()
    lib = _library(tmp_path / "reranked", fake)
    answer = lib.ask(question, k=2)
    assert len(fake.seen) > 2  # it ranks more candidates than it returns
    assert [p.quote for p in plain] == fake.seen[:2]  # it sees what would have been shown, in order
    assert [p.quote for p in answer] == fake.seen[::-1][:2]
    for p in answer:
        assert lib.document(p.document_id).text[p.start : p.end] == p.quote
        assert p.highlight is not None and p.start <= p.highlight.start < p.highlight.end <= p.end


def test_off_by_default_changes_nothing(tmp_path: Path) -> None:
    default = _library(tmp_path / "default")
    off = _library(tmp_path / "off", None)
    for question in ("what colour is the ferry", "why did the water tax rise", "rain storm island"):
        for mode in ("hybrid", "dense", "bm25"):
            a, b = default.ask(question, k=3, mode=mode), off.ask(question, k=3, mode=mode)
            assert json.dumps(asdict(a)) == json.dumps(asdict(b))
    assert default.reranker is None and Settings().library_options()["reranker"] is None


# -- the real backends -------------------------------------------------------------------


def test_cross_encoder_loads_from_a_folder_and_scores_deterministically(tiny_model: Path) -> None:
    reranker = load_reranker(tiny_model)
    assert isinstance(reranker, CrossEncoderReranker) and isinstance(reranker, Reranker)
    passages = ["The ferry is painted bright yellow.", "The water tax rose.", "The rain came late."]
    first = reranker.score("what colour is the ferry", passages)
    assert len(first) == 3 and all(isinstance(s, float) for s in first)
    assert len(set(first)) == 3  # random weights, but not blind to the text
    assert reranker.score("what colour is the ferry", passages) == first
    assert CrossEncoderReranker(tiny_model).score("what colour is the ferry", passages) == first
    assert reranker.score("anything", []) == []
    long = " ".join(WORDS * 20)  # past the model's 128 positions: cut, not refused
    assert len(reranker.score("ferry", [long])) == 1


def test_library_ask_follows_the_cross_encoder(tiny_model: Path, tmp_path: Path) -> None:
    recording = Recording(CrossEncoderReranker(tiny_model))
    lib = _library(tmp_path, recording)
    answer = lib.ask("who pays for the ferry out of the budget", k=3)
    best = sorted(recording.seen, key=lambda pair: -pair[1])
    assert [p.quote for p in answer] == [quote for quote, _ in best[:3]]


def test_onnx_export_scores_like_the_cross_encoder(tiny_model: Path, tiny_onnx: Path) -> None:
    passages = ["The ferry is painted bright yellow.", "The water tax rose.", " ".join(WORDS * 20)]
    torch_scores = CrossEncoderReranker(tiny_model).score("what colour is the ferry", passages)
    for path in (tiny_onnx, tiny_onnx.parent):  # the file, or the folder holding model.onnx
        reranker = load_reranker(path, "onnx")
        assert isinstance(reranker, OnnxCrossEncoderReranker)
        assert reranker.score("what colour is the ferry", passages) == pytest.approx(torch_scores, abs=1e-5)


# -- configuration -----------------------------------------------------------------------


def test_registry_and_settings(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(RERANKERS) == {"cross-encoder", "onnx"}
    monkeypatch.setenv("RAG_RERANKER", str(tiny_model))
    settings = Settings()
    assert settings.reranker == tiny_model and settings.reranker_kind == "cross-encoder"
    assert isinstance(settings.library_options()["reranker"], CrossEncoderReranker)
    assert settings.library_options(rerank=False)["reranker"] is None
    monkeypatch.setenv("RAG_RERANKER", "")
    assert Settings().reranker is None


def test_bad_paths_are_clear_errors(tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist; models are never downloaded"):
        load_reranker(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="not a cross-encoder folder"):
        load_reranker(tmp_path / "empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="cannot load a cross-encoder"):
        load_reranker(broken)
    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_model, damaged)
    (damaged / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(InvalidInput, match="cannot load a cross-encoder"):
        load_reranker(damaged)
    with pytest.raises(InvalidInput, match=r"not an \.onnx file"):
        load_reranker(tiny_model, "onnx")
    with pytest.raises(InvalidInput, match="unknown re-ranker kind"):
        load_reranker(tiny_model, "colbert")
    with pytest.raises(ValidationError, match="does not exist"):
        Settings(reranker=tmp_path / "missing")
    with pytest.raises(ValidationError, match="unknown re-ranker kind"):
        Settings(reranker_kind="colbert")


def test_cli_refuses_a_missing_reranker_in_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_RERANKER": str(tmp_path / "missing"),
    }
    r = subprocess.run(
        [sys.executable, "-c", "from rag.cli import main; main()", "ask", "what colour is the ferry"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"error: reranker: Value error, re-ranker {tmp_path / 'missing'} does not exist; "
        "models are never downloaded: give a local path"
    ]


@pytest.mark.model
def test_server_refuses_to_start_with_a_broken_reranker(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", reranker=broken, backend="torch")
    with pytest.raises(InvalidInput, match="cannot load a cross-encoder"), TestClient(create_app(settings)):
        pass
