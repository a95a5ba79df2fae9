"""The same model on ONNX Runtime: exported once from the local weights with `torch.onnx`,
cached by the weights' hash, optionally int8 (dynamic, per-channel): faster for one question.

Only what a sentence-transformers folder of a BERT-like encoder with mean pooling and
normalisation needs (all-MiniLM-L6-v2 is one); anything else is refused with a clear error.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import Progress
from .bundled import file_sha256
from .errors import ModelError

__all__ = ["OnnxEmbedder", "export"]

_OPSET = 17


def _pooling(model_dir: Path) -> None:
    modules = (
        json.loads((model_dir / "modules.json").read_text()) if (model_dir / "modules.json").is_file() else []
    )
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:3] != ["Transformer", "Pooling", "Normalize"]:
        raise ModelError(
            f"the ONNX backend reads Transformer + Pooling + Normalize models; {model_dir} has {kinds}"
        )
    pooling_dir = model_dir / next(m["path"] for m in modules if m["type"].endswith("Pooling"))
    config = json.loads((pooling_dir / "config.json").read_text())
    if not config.get("pooling_mode_mean_tokens") or any(
        config.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_lasttoken")
    ):
        raise ModelError(f"the ONNX backend needs mean pooling; {pooling_dir} is configured otherwise")


def export(model_dir: Path, target: Path, *, int8: bool = False) -> Path:
    """Write `target` (atomically): the transformer of `model_dir` as ONNX, int8 if asked.
    PyTorch and transformers are imported only to export (seconds a server start need not pay)."""
    _pooling(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fp32 = target if not int8 else target.with_name(target.stem.removesuffix("-int8") + ".onnx")
    if not fp32.exists():
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a weight-loading bar in the middle of `rag index` is noise
        encoder = AutoModel.from_pretrained(
            str(model_dir), local_files_only=True, attn_implementation="eager"
        )

        class Graph(torch.nn.Module):
            """Keyword inputs in, the last hidden state out: the part worth exporting."""

            def __init__(self) -> None:
                super().__init__()
                self.encoder = encoder

            def forward(self, input_ids, attention_mask, token_type_ids):
                out = self.encoder(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                )
                return out.last_hidden_state

        model = Graph().eval()
        dummy = {
            "input_ids": torch.ones(2, 8, dtype=torch.long),
            "attention_mask": torch.ones(2, 8, dtype=torch.long),
            "token_type_ids": torch.zeros(2, 8, dtype=torch.long),
        }
        tmp = fp32.with_name(f".{fp32.name}.tmp-{os.getpid()}")
        axes = {0: "batch", 1: "tokens"}
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about Python control flow: harmless here
            torch.onnx.export(
                model,
                (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]),
                str(tmp),
                input_names=list(dummy),
                output_names=["last_hidden_state"],
                dynamic_axes={name: axes for name in [*dummy, "last_hidden_state"]},
                opset_version=_OPSET,
                dynamo=False,
            )
        os.replace(tmp, fp32)
    if int8 and not target.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}.onnx")
        root, quiet = logging.getLogger(), _Unadvised(threading.get_ident())
        root.addFilter(quiet)  # it advises "pre-processing" on the root logger: noise on a CLI
        try:
            quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            root.removeFilter(quiet)
        os.replace(tmp, target)
    return target


class _Unadvised(logging.Filter):
    """Drops what the quantising thread logs below an error on the root logger itself (records
    propagated from named loggers, and other threads' records, pass)."""

    def __init__(self, thread: int) -> None:
        super().__init__()
        self.thread = thread

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread or record.levelno >= logging.ERROR


class OnnxEmbedder:
    """Tokenise with the model's own tokenizer, run the graph, mean-pool, normalise."""

    def __init__(
        self,
        model_dir: Path,
        cache_dir: Path,
        *,
        name: str,
        int8: bool = False,
        batch_size: int = 8,
        threads: int | None = None,
    ) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelError(f"the ONNX backend cannot load: {exc}; reinstall interview-rag") from exc
        weights = model_dir / "model.safetensors"
        key = file_sha256(weights)[:16] if weights.is_file() else "unhashed"
        path = cache_dir / f"{model_dir.name}-{key}{'-int8' if int8 else ''}.onnx"
        try:
            export(model_dir, path, int8=int8)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"could not export {model_dir} to ONNX: {type(exc).__name__}: {exc}") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle worker threads must not spin: right after a query is embedded, FAISS and BM25
        # need the same cores (spinning made a 100k flat search 2.5x slower).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        config = model_dir / "sentence_bert_config.json"
        self.max_tokens = (
            int(json.loads(config.read_text()).get("max_seq_length", 256)) if config.is_file() else 256
        )
        # The fast tokenizer alone (no transformers import): the model's tokenizer.json, with
        # the truncation and padding sentence-transformers applies.
        if not (model_dir / "tokenizer.json").is_file():
            raise ModelError(f"the ONNX backend needs {model_dir / 'tokenizer.json'}")
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.enable_padding(pad_id=self._pad_id(model_dir))
        self.dimension = int(self._session.get_outputs()[0].shape[-1] or 0) or self._probe()
        self.name = name
        self.batch_size = batch_size
        self.path = path

    def _probe(self) -> int:
        return int(self._encode(["probe"]).shape[1])

    def embed_documents(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding small; results go back in the caller's order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            out[idx] = self._encode([texts[j] for j in idx])
            if progress:
                progress(len(idx))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]

    @staticmethod
    def _pad_id(model_dir: Path) -> int:
        config = model_dir / "config.json"
        return int(json.loads(config.read_text()).get("pad_token_id") or 0) if config.is_file() else 0

    def _encode(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        attention = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": attention}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, feed)[0]
        mask = attention[..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
