"""YAML front matter: document metadata, kept out of the turns."""

from __future__ import annotations

import re

import yaml

__all__ = ["mapping", "split"]

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
    for k, v in data.items():  # a list of words (tags: [a, b]) is kept as "a, b"
        if isinstance(v, list) and v and all(isinstance(i, (str, int, float)) for i in v):
            meta[str(k)] = ", ".join(str(i) for i in v)
    return meta, m.end()


def mapping(text: str, key: str) -> dict[str, str]:
    """A mapping in the front matter (`speakers: {JD: Jane Doe}`), as strings; {} when absent."""
    m = _FENCE.match(text)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group("body"))
    except yaml.YAMLError:
        return {}
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None and not isinstance(v, (dict, list))}
