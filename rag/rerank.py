"""Re-ranking: a second model scores the final candidate passages against the question.

Off by default: none ships offline, so an operator points to one (`RAG_RERANKER`). The seam
is one method, `Reranker.score`; each backend is one class, registered by kind in `RERANKERS`,
loaded only when asked for (`load_reranker`), never downloaded.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

from .errors import InvalidInput

__all__ = [
    "RERANKERS",
    "CrossEncoderReranker",
    "OnnxCrossEncoderReranker",
    "Reranker",
    "check_reranker",
    "load_reranker",
    "rerank",
]


@runtime_checkable
class Reranker(Protocol):
    """Scores (question, passage) pairs; higher is more relevant. Only the order matters."""

    name: str

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        """One score per passage, in the passages' order."""
        ...


class _Candidate(Protocol):
    document_id: str
    start: int
    end: int
    rerank_score: float | None


C = TypeVar("C", bound=_Candidate)


def rerank(
    reranker: Reranker | None,
    question: str,
    candidates: list[C],
    text: Callable[[str, int, int], str],
) -> list[C]:
    """`candidates` ordered by the re-ranker's score (ties keep their order), each given its
    `rerank_score` so a later ranker can use it as a feature. Without a re-ranker: unchanged."""
    if reranker is None or not candidates:
        return candidates
    scores = reranker.score(question, [text(c.document_id, c.start, c.end) for c in candidates])
    if len(scores) != len(candidates):
        raise ValueError(f"{reranker.name} gave {len(scores)} scores for {len(candidates)} passages")
    for c, s in zip(candidates, scores, strict=True):
        c.rerank_score = float(s)
    return sorted(candidates, key=lambda c: -(c.rerank_score or 0.0))


def _offline() -> None:
    # Never reach for a hub: the model must already be on disk.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class CrossEncoderReranker:
    """A sentence-transformers `CrossEncoder` folder (config.json, weights, tokenizer), run by
    PyTorch. Calls are serialised: a fast tokenizer shared across threads can fail
    ("Already borrowed"), and two CPU cores gain nothing from running two at once."""

    def __init__(self, path: Path, *, batch_size: int = 16, device: str = "cpu") -> None:
        check_reranker("cross-encoder", path)
        _offline()
        from sentence_transformers import CrossEncoder
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            self._model = CrossEncoder(str(path), device=device, local_files_only=True)
        except Exception as exc:  # transformers, safetensors and torch each raise their own types
            raise InvalidInput(f"cannot load a cross-encoder from {path}: {exc}") from None
        labels = int(self._model.num_labels)
        if labels != 1:
            raise InvalidInput(
                f"{path} is a cross-encoder with {labels} labels; a re-ranker needs one score per pair"
            )
        self.name = f"cross-encoder:{path.resolve()}"
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        with self._lock:
            scores = self._model.predict(
                [(question, p) for p in passages],
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return [float(s) for s in scores]


class OnnxCrossEncoderReranker:
    """A cross-encoder exported to ONNX (`model.onnx`, logits of shape [n, 1]) with the
    `tokenizer.json` beside it or one folder up, run by ONNX Runtime: no PyTorch needed.
    Scores are the sigmoid of the logit, as `CrossEncoder.predict` gives for one label."""

    def __init__(self, path: Path, *, batch_size: int = 16) -> None:
        check_reranker("onnx", path)
        import onnxruntime as ort
        from tokenizers import Tokenizer

        file = _onnx_file(path)
        folder = _tokenizer_folder(file)
        try:
            self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            options.log_severity_level = 3
            self._session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ORT and tokenizers raise their own types for a bad file
            raise InvalidInput(f"cannot load an ONNX cross-encoder from {path}: {exc}") from None
        self._inputs = {i.name for i in self._session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= self._inputs:
            raise InvalidInput(f"{file} does not take input_ids and attention_mask: not a text cross-encoder")
        # Set once here, never per call, so concurrent calls share an unchanging tokenizer.
        self._tokenizer.enable_truncation(max_length=_max_length(folder, self._tokenizer))
        pad = self._tokenizer.padding or {}
        pad_token = pad.get("pad_token") or next(
            (t for t in ("[PAD]", "<pad>") if self._tokenizer.token_to_id(t) is not None), "[PAD]"
        )
        pad_id = self._tokenizer.token_to_id(pad_token) or 0
        self._tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
        self.name = f"onnx:{file.resolve()}"
        self.batch_size = batch_size

    def score(self, question: str, passages: Sequence[str]) -> list[float]:
        import numpy as np

        out: list[float] = []
        for i in range(0, len(passages), self.batch_size):
            batch = self._tokenizer.encode_batch([(question, p) for p in passages[i : i + self.batch_size]])
            feed = {
                "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
            }
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.array([e.type_ids for e in batch], dtype=np.int64)
            logits = np.asarray(self._session.run(None, feed)[0]).reshape(len(batch), -1)[:, 0]
            out.extend(float(v) for v in np.exp(-np.logaddexp(0.0, -logits)))  # sigmoid, no overflow
        return out


RERANKERS: dict[str, type[CrossEncoderReranker] | type[OnnxCrossEncoderReranker]] = {
    "cross-encoder": CrossEncoderReranker,
    "onnx": OnnxCrossEncoderReranker,
}
"""Every backend, by the kind `RAG_RERANKER_KIND` names."""


def _onnx_file(path: Path) -> Path:
    if path.is_dir():
        for candidate in (path / "model.onnx", path / "onnx" / "model.onnx"):
            if candidate.is_file():
                return candidate
    return path


def _tokenizer_folder(file: Path) -> Path:
    here = file.parent
    return here if (here / "tokenizer.json").is_file() else here.parent


def _max_length(folder: Path, tokenizer: object) -> int:
    """The shortest limit the model's files state (a passage past it is cut, not refused)."""
    limits = [512]
    truncation = getattr(tokenizer, "truncation", None)
    if truncation:
        limits.append(int(truncation["max_length"]))
    stated = (("tokenizer_config.json", "model_max_length"), ("config.json", "max_position_embeddings"))
    for name, key in stated:
        try:
            value = json.loads((folder / name).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and 0 < value < 1_000_000:
            limits.append(value)
    return min(limits)


def check_reranker(kind: str, path: Path) -> None:
    """Cheap checks of a configured re-ranker (no model loaded), so a typo fails at start."""
    if kind not in RERANKERS:
        raise InvalidInput(f"unknown re-ranker kind {kind!r}; choose from {', '.join(RERANKERS)}")
    if not path.exists():
        raise InvalidInput(f"re-ranker {path} does not exist; models are never downloaded: give a local path")
    if kind == "cross-encoder":
        if not path.is_dir() or not (path / "config.json").is_file():
            raise InvalidInput(f"re-ranker {path} is not a cross-encoder folder (no config.json in it)")
        return
    file = _onnx_file(path)
    if not file.is_file() or file.suffix != ".onnx":
        raise InvalidInput(f"re-ranker {path} is not an .onnx file (nor a folder with model.onnx)")
    if not (_tokenizer_folder(file) / "tokenizer.json").is_file():
        raise InvalidInput(f"no tokenizer.json beside {file} (nor one folder up)")


def load_reranker(path: str | Path | None, kind: str = "cross-encoder") -> Reranker | None:
    """The re-ranker at `path` of the given kind; None when no path is set."""
    if path is None or str(path) == "":
        return None
    path = Path(path).expanduser()
    check_reranker(kind, path)
    return RERANKERS[kind](path)
