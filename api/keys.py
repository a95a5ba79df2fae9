"""API keys: named, each with a scope (`read`, or `write`, which implies read), read from the
settings once at start. A key's secret is kept only as its SHA-256 and never logged or shown."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Literal

from rag.errors import InvalidInput
from rag.settings import Settings

__all__ = ["ApiKey", "KeyRing", "Scope", "parse_keys"]

Scope = Literal["read", "write"]
SCOPES: tuple[Scope, ...] = ("read", "write")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
DEFAULT_NAME = "default"  # the name RAG_API_KEY goes by in the access log


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One key. `collections`, when a later version scopes keys to collections, names the ones
    this key may use; None: all (the only meaning today, nothing reads it yet)."""

    name: str
    scope: Scope
    digest: bytes = field(repr=False)
    collections: tuple[str, ...] | None = None

    def allows(self, need: Scope) -> bool:
        return self.scope == "write" or need == "read"


@dataclass(frozen=True, slots=True)
class KeyRing:
    keys: tuple[ApiKey, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys)

    def find(self, given: str) -> ApiKey | None:
        """The key whose secret is `given`. Every key is compared, in constant time over equal
        length digests, so the time taken says nothing of which key (or how much of one) matched."""
        probe = _digest(given)
        found = None
        for key in self.keys:
            if hmac.compare_digest(probe, key.digest):
                found = key
        return found

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """RAG_API_KEY (a write key named `default`), RAG_API_KEYS and RAG_API_KEYS_FILE, together.
        A malformed list or file, a repeated name or secret, is refused here, at start."""
        keys: list[ApiKey] = []
        if settings.api_key is not None:
            keys.append(ApiKey(DEFAULT_NAME, "write", _digest(settings.api_key.get_secret_value())))
        if settings.api_keys is not None:
            keys += parse_keys(settings.api_keys.get_secret_value(), "RAG_API_KEYS")
        if settings.api_keys_file is not None:
            path = settings.api_keys_file.expanduser()
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInput(f"RAG_API_KEYS_FILE {str(path)!r} cannot be read: {exc}") from None
            keys += parse_keys(text, f"RAG_API_KEYS_FILE {str(path)!r}", lines=True)
        names = [k.name for k in keys]
        for name in names:
            if names.count(name) > 1:
                raise InvalidInput(f"the API key name {name!r} is used twice; each key needs its own name")
        if len({k.digest for k in keys}) < len(keys):
            raise InvalidInput("two API keys have the same secret; give each its own")
        return cls(tuple(keys))


def parse_keys(text: str, where: str, *, lines: bool = False) -> list[ApiKey]:
    """`name:scope:secret` items separated by commas (or, with `lines`, by newlines, `#`
    comments allowed), or a JSON list of {"name", "scope", "key", "collections"?} objects."""
    if not text.strip():
        raise InvalidInput(f"{where} is empty; unset it to run without keys, or list real keys")
    if text.lstrip().startswith("["):
        return _from_json(text, where)
    items = text.splitlines() if lines else text.split(",")
    keys = []
    for n, item in enumerate(items, 1):
        item = item.strip()
        if not item or (lines and item.startswith("#")):
            continue
        name, scope, secret = ([*item.split(":", 2), "", ""])[:3]
        keys.append(_key(name.strip(), scope.strip(), secret.strip(), f"{where} item {n}"))
    if not keys:
        raise InvalidInput(f"{where} lists no keys; unset it to run without keys")
    return keys


def _from_json(text: str, where: str) -> list[ApiKey]:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where} is not valid JSON ({exc.msg})") from None
    if not isinstance(items, list) or not items:
        raise InvalidInput(f"{where} must be a non-empty JSON list of {{name, scope, key}} objects")
    keys = []
    for n, item in enumerate(items, 1):
        at = f"{where} item {n}"
        if not isinstance(item, dict) or set(item) - {"name", "scope", "key", "collections"}:
            raise InvalidInput(f"{at} must be an object with name, scope, key (and collections)")
        values = [item.get(k, "") for k in ("name", "scope", "key")]
        if not all(isinstance(v, str) for v in values):
            raise InvalidInput(f"{at}: name, scope and key must be strings")
        collections = item.get("collections")
        if collections is not None and (
            not isinstance(collections, list) or not all(isinstance(c, str) for c in collections)
        ):
            raise InvalidInput(f"{at}: collections must be a list of names")
        key = _key(*values, at)
        if collections is not None:
            key = ApiKey(key.name, key.scope, key.digest, tuple(collections))
        keys.append(key)
    return keys


def _key(name: str, scope: str, secret: str, at: str) -> ApiKey:
    """The message names the key, never shows its secret."""
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"{at}: the name {name!r} must be 1-64 letters, digits, '_', '.', '@' or '-' "
            "(expected name:scope:key)"
        )
    if scope not in SCOPES:
        raise InvalidInput(f"{at} ({name}): the scope must be 'read' or 'write', not {scope!r}")
    if not secret:
        raise InvalidInput(f"{at} ({name}): the key is empty")
    if any(c.isspace() for c in secret) or not secret.isprintable():
        raise InvalidInput(f"{at} ({name}): the key has spaces or control characters")
    return ApiKey(name, scope, _digest(secret))  # type: ignore[arg-type]
