"""The library catalogue in SQLite: documents' dates, kinds and tags, and the people behind
the speaker labels. `CatalogView` reads, `CatalogWriter` writes (inside the writer's
transaction); both are mixed into the store, which owns the connection.

Tables (schema v6): `documents.date/kind/tags/edits` (the user's metadata changes, applied
again when a document is replaced), `speakers` (each document's labels and the person each
names: the document's own link, or the user's alias) and `speaker_aliases` (the user's, kept
across re-adds, for one document or all).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import numpy as np

from .docmeta import split_tags
from .people import Link, label_key, normalise

__all__ = ["V6_SCHEMA", "CatalogView", "CatalogWriter", "DocumentFilter", "Person", "to_v6"]

V6_SCHEMA = """
CREATE TABLE IF NOT EXISTS speakers (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    label_key TEXT NOT NULL,
    short_key TEXT NOT NULL,
    auto_name TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    role INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, label)
);
CREATE INDEX IF NOT EXISTS speakers_name ON speakers(name);
CREATE INDEX IF NOT EXISTS speakers_label_key ON speakers(label_key);
CREATE INDEX IF NOT EXISTS speakers_short_key ON speakers(short_key);
CREATE TABLE IF NOT EXISTS speaker_aliases (
    label_key TEXT NOT NULL,
    document_id TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    PRIMARY KEY (label_key, document_id)
);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
"""


def to_v6(db: sqlite3.Connection, add_column: Callable[[str, str, str], None]) -> None:
    """Schema v6 (idempotent): document dates, kinds, tags and edits; speakers and aliases."""
    add_column("documents", "date", "TEXT")
    add_column("documents", "kind", "TEXT")
    add_column("documents", "tags", "TEXT NOT NULL DEFAULT '[]'")
    add_column("documents", "edits", "TEXT NOT NULL DEFAULT '{}'")
    for statement in V6_SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """Which documents a search may read: all of them when every field is None."""

    documents: Collection[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    kinds: Collection[str] | None = None
    tags: Collection[str] | None = None

    def __bool__(self) -> bool:
        parts = (self.documents, self.date_from, self.date_to, self.kinds, self.tags)
        return any(v is not None for v in parts)


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who speaks in the library, under all the labels that name them."""

    name: str
    aliases: tuple[str, ...]
    documents: int
    turns: int
    roles: tuple[str, ...]
    """Their parts in the conversations (interviewer, guest, official, chair …)."""


def _marks(items: Collection[object]) -> str:
    return ",".join("?" * len(items))


class CatalogView:
    _db: sqlite3.Connection
    _lock: threading.RLock

    def documents_where(self, where: DocumentFilter) -> list[str]:
        """Ids of the documents that pass the filter (a date filter leaves undated ones out)."""
        sql = ["SELECT id FROM documents d WHERE 1"]
        args: list[object] = []
        if where.documents is not None:
            if not where.documents:
                return []
            sql.append(f"AND id IN ({_marks(where.documents)})")
            args.extend(where.documents)
        if where.date_from is not None:
            sql.append("AND date >= ?")
            args.append(where.date_from)
        if where.date_to is not None:
            sql.append("AND date <= ?")
            args.append(where.date_to)
        if where.kinds is not None:
            if not where.kinds:
                return []
            sql.append(f"AND kind IN ({_marks(where.kinds)})")
            args.extend(k.lower() for k in where.kinds)
        if where.tags is not None:
            tags = split_tags(list(where.tags))
            if not tags:
                return []
            sql.append(f"AND EXISTS (SELECT 1 FROM json_each(d.tags) WHERE value IN ({_marks(tags)}))")
            args.extend(tags)
        with self._lock:
            return [r[0] for r in self._db.execute(" ".join(sql), args)]

    def chunks_by_document(self, document_ids: Collection[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per document, its chunk ids and each one's turn index (in id order)."""
        ids = list(document_ids)
        found: dict[str, tuple[list[int], list[int]]] = {d: ([], []) for d in ids}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            with self._lock:
                rows = self._db.execute(
                    f"SELECT document_id, id, turn_index FROM chunks WHERE document_id IN ({_marks(part)})"
                    " ORDER BY id",
                    part,
                ).fetchall()
            for doc, chunk, turn in rows:
                found[doc][0].append(chunk)
                found[doc][1].append(turn)
        return {d: (np.array(c, dtype=np.int64), np.array(t, dtype=np.int64)) for d, (c, t) in found.items()}

    def dates(self, document_ids: Iterable[str]) -> dict[str, str | None]:
        ids = list(dict.fromkeys(document_ids))
        if not ids:
            return {}
        with self._lock:
            rows = self._db.execute(f"SELECT id, date FROM documents WHERE id IN ({_marks(ids)})", ids)
            return {r[0]: r[1] for r in rows}

    def speaker_labels(self, names: Collection[str]) -> dict[str, set[str]]:
        """Per document, the labels that name these people. A name matches a person by their
        name, any label or the label's short form (`Dubois-Lane`); a role label (`THE CHAIR`)
        matches that label only, since it names someone else in each document."""
        keys = {label_key(n) for n in names} - {""}
        role_keys = {label_key(n) for n in names if normalise(n)[1]}
        if not keys:
            return {}
        person_keys = list(keys - role_keys)
        with self._lock:
            people = (
                {
                    r[0]
                    for r in self._db.execute(
                        f"SELECT name FROM speakers WHERE role = 0 AND (label_key IN ({_marks(person_keys)})"
                        f" OR short_key IN ({_marks(person_keys)}))",
                        [*person_keys, *person_keys],
                    )
                }
                if person_keys
                else set()
            )
            people.update(n for n in names if label_key(n) in keys - role_keys)
            wanted, roles = list(people), list(role_keys)
            where = [f"name IN ({_marks(wanted)})"] if wanted else []
            where += [f"label_key IN ({_marks(roles)})"] if roles else []
            rows = self._db.execute(
                f"SELECT document_id, label FROM speakers WHERE {' OR '.join(where) or '0'}",
                [*wanted, *roles],
            ).fetchall()
        out: dict[str, set[str]] = {}
        for doc, label in rows:
            out.setdefault(doc, set()).add(label)
        return out

    def people(self) -> list[Person]:
        """Everyone who speaks, by name, with the labels and documents they speak under."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.name, s.label, s.document_id, d.roles,"
                " (SELECT COUNT(*) FROM turns t WHERE t.document_id = s.document_id AND t.speaker = s.label)"
                " FROM speakers s JOIN documents d ON d.id = s.document_id ORDER BY s.name, s.label"
            ).fetchall()
        found: dict[str, tuple[dict[str, None], set[str], list[int], set[str]]] = {}
        for name, label, doc, roles, turns in rows:
            aliases, docs, count, parts = found.setdefault(name, ({}, set(), [0], set()))
            aliases[label] = None
            short = normalise(label)[0]
            if short != name:
                aliases[short] = None
            docs.add(doc)
            count[0] += turns
            part = json.loads(roles).get(label)
            if part:
                parts.add(part)
        return [
            Person(name, tuple(a for a in aliases if a != name), len(docs), n[0], tuple(sorted(parts)))
            for name, (aliases, docs, n, parts) in sorted(found.items(), key=lambda kv: kv[0].casefold())
        ]

    def speaker_names(self, document_id: str) -> dict[str, str]:
        """Each label of a document and the person it names."""
        with self._lock:
            rows = self._db.execute("SELECT label, name FROM speakers WHERE document_id = ?", (document_id,))
            return dict(rows.fetchall())

    def edits(self, document_id: str) -> dict[str, str | None]:
        with self._lock:
            row = self._db.execute("SELECT edits FROM documents WHERE id = ?", (document_id,)).fetchone()
        return json.loads(row[0]) if row else {}


class CatalogWriter(CatalogView):
    def _catalogue(self, document_id: str, metadata: dict[str, str]) -> None:
        """The document's date, kind and tags columns, from its metadata."""
        self._db.execute(
            "UPDATE documents SET date = ?, kind = ?, tags = ? WHERE id = ?",
            (
                metadata.get("date"),
                metadata.get("kind"),
                json.dumps(split_tags(metadata.get("tags", ""))),
                document_id,
            ),
        )

    def set_metadata(
        self, document_id: str, metadata: dict[str, str], changes: dict[str, str | None]
    ) -> None:
        """Store edited metadata; the changes are kept to apply again when the document is replaced."""
        with self._lock:
            edits = {**self.edits(document_id), **changes}
            self._db.execute(
                "UPDATE documents SET metadata = ?, edits = ? WHERE id = ?",
                (
                    json.dumps(metadata, ensure_ascii=False),
                    json.dumps(edits, ensure_ascii=False),
                    document_id,
                ),
            )
            self._catalogue(document_id, metadata)

    def link_speakers(self, document_id: str, links: Iterable[Link]) -> None:
        """A document's speaker rows: each label's own link, unless the user's alias says otherwise."""
        with self._lock:
            self._db.execute("DELETE FROM speakers WHERE document_id = ?", (document_id,))
            aliases = dict(
                self._db.execute(
                    "SELECT label_key, name FROM speaker_aliases WHERE document_id IN (?, '')"
                    " ORDER BY document_id",
                    (document_id,),
                ).fetchall()
            )  # the document's own alias comes last and wins
            rows = []
            for link in links:
                keys = (label_key(link.label), label_key(normalise(link.label)[0]), label_key(link.name))
                alias = next((aliases[k] for k in keys if k in aliases), None)
                rows.append(
                    (
                        document_id,
                        link.label,
                        keys[0],
                        keys[1],
                        link.name,
                        alias or link.name,
                        "user" if alias else link.source,
                        int(link.role),
                    )
                )
            self._db.executemany(
                "INSERT INTO speakers(document_id, label, label_key, short_key, auto_name, name, source,"
                " role) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._merge_surnames([r[5] for r in rows])

    def _merge_surnames(self, names: list[str]) -> None:
        """A label that gives only a surname (`Vance`, source `label`) names the one person in
        the library with that surname, once another document gives the full name."""
        surnames = {n.split()[-1].casefold() for n in names if n.split()}
        for surname in surnames:
            full = {
                r[0]
                for r in self._db.execute(
                    "SELECT DISTINCT name FROM speakers WHERE role = 0 AND name LIKE ? AND name LIKE '% %'",
                    (f"% {surname}",),
                )
                if r[0].split()[-1].casefold() == surname
            }
            if len(full) == 1:
                self._db.execute(
                    "UPDATE speakers SET name = ?, source = 'library' WHERE role = 0 AND source = 'label'"
                    " AND short_key = ? AND name NOT LIKE '% %'",
                    (next(iter(full)), surname),
                )

    def alias(self, label: str, name: str, document_id: str | None = None) -> int:
        """The user says `label` names `name` (in one document, or in all). Returns how many
        documents' labels now name them."""
        key = label_key(label)
        with self._lock:
            self._db.execute(
                "INSERT INTO speaker_aliases(label_key, document_id, name) VALUES (?, ?, ?)"
                " ON CONFLICT(label_key, document_id) DO UPDATE SET name = excluded.name",
                (key, document_id or "", name),
            )
            sql = (
                "UPDATE speakers SET name = ?, source = 'user' WHERE (label_key = ? OR short_key = ?"
                " OR lower(auto_name) = ?)"
            )
            args: list[object] = [name, key, key, key]
            if document_id is not None:
                sql += " AND document_id = ?"
                args.append(document_id)
            else:  # a document's own alias still wins there
                sql += (
                    " AND NOT EXISTS (SELECT 1 FROM speaker_aliases a"
                    " WHERE a.document_id = speakers.document_id AND a.label_key = ?)"
                )
                args.append(key)
            return self._db.execute(sql, args).rowcount
