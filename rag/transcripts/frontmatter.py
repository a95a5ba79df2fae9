"""YAML front matter: document metadata, kept out of the turns."""

from __future__ import annotations

import re

import yaml

__all__ = ["split"]

_FENCE = re.compile(r"\A---[ \t]*\r?\n(?P<body>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def split(text: str) -> tuple[dict[str, str], int]:
    """Metadata and the offset where the transcript proper begins (0 when there is none)."""
    m = _FENCE.match(text)
    if not m:
        return {}, 0
    try:
        data = yaml.safe_load(m.group("body"))
    except yaml.YAMLError:
        return {}, 0
    if not isinstance(data, dict):
        return {}, 0
    meta = {str(k): str(v) for k, v in data.items() if v is not None and not isinstance(v, (dict, list))}
    return meta, m.end()
