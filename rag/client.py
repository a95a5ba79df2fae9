"""`Client(url)`: a remote server used like a local `Library`.

The same methods and return types (an `Answer` of `Passage`s, `Document`, `DocumentInfo`,
`Person`, `AddResult`), and the server's errors raised as the same `rag.errors` types, so code written
against a `Library` runs against a server by changing one line.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from .catalog import Person
from .errors import Busy, Damaged, IndexMismatch, InvalidInput, NotFound, RagError
from .library import AddResult
from .model import Answer, Citation, Document, DocumentGroup, DocumentInfo, Evidence, Passage, Span, Turn

__all__ = ["Client", "Unauthorized"]


class Unauthorized(RagError):
    """The server wants an API key (or another one): `Client(url, api_key=...)`."""


_BY_NAME: dict[str, type[RagError]] = {
    "InvalidInput": InvalidInput,
    "NotFound": NotFound,
    "IndexMismatch": IndexMismatch,
    "Busy": Busy,
    "Damaged": Damaged,
    "Unauthorized": Unauthorized,
}
_BY_STATUS: dict[int, type[RagError]] = {
    400: InvalidInput,
    401: Unauthorized,
    403: Unauthorized,
    404: NotFound,
    409: IndexMismatch,
    413: InvalidInput,
    415: InvalidInput,
    422: InvalidInput,
}


class Client:
    """A server at `url` (what `rag serve` prints), with `api_key` for writes or protected reads."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 120.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reads ------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        documents: Collection[str] | None = None,
        speakers: Collection[str] | None = None,
        mode: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        kinds: Collection[str] | None = None,
        tags: Collection[str] | None = None,
        group_by: str | None = None,
    ) -> Answer:
        """As `Library.ask`: the passages that best answer `question`, with the verdict."""
        body: dict[str, Any] = {"question": question, "k": k}
        lists = {"documents": documents, "speakers": speakers, "kinds": kinds, "tags": tags}
        body.update({name: list(items) for name, items in lists.items() if items is not None})
        values = {"mode": mode, "date_from": date_from, "date_to": date_to, "group_by": group_by}
        body.update({name: value for name, value in values.items() if value is not None})
        return _answer(self._call("POST", "/ask", json=body).json())

    def speakers(self) -> list[Person]:
        """As `Library.speakers`: everyone who speaks, by name, with their labels."""
        return [_person(d) for d in self._call("GET", "/speakers").json()["speakers"]]

    def documents(self) -> list[DocumentInfo]:
        return [_info(d) for d in self._call("GET", "/documents").json()]

    def document(self, document_id: str) -> Document:
        return _document(self._call("GET", f"/documents/{_path(document_id)}").json())

    # -- writes -----------------------------------------------------------------------

    def add_text(
        self, text: str, *, id: str | None = None, title: str | None = None, format: str | None = None
    ) -> AddResult:
        """Index `text` (a transcript); the same id replaces the old version."""
        body = {k: v for k, v in {"text": text, "id": id, "title": title, "format": format}.items() if v}
        return _added(self._call("POST", "/documents", params={"background": "false"}, json=body).json())

    def add_file(
        self, path: str | Path, *, id: str | None = None, title: str | None = None, format: str | None = None
    ) -> AddResult:
        """Upload a transcript file (text, PDF or DOCX: the server reads it as `rag index` would)."""
        path = Path(path)
        fields = {k: v for k, v in {"id": id, "title": title, "format": format}.items() if v}
        with path.open("rb") as f:
            response = self._call(
                "POST",
                "/documents",
                params={"background": "false"},
                data=fields,
                files={"file": (path.name, f)},
            )
        return _added(response.json())

    def remove(self, document_id: str) -> None:
        self._call("DELETE", f"/documents/{_path(document_id)}")

    # -- the wire ---------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RagError(f"cannot reach {self.url}: {exc}") from None
        if response.is_success:
            return response
        raise _error(response)


def _path(document_id: str) -> str:
    return quote(document_id, safe="/")


def _error(response: httpx.Response) -> RagError:
    """The server's `{"error", "detail"}` as the core's exception of the same name."""
    try:
        body = response.json()
        name, detail = str(body["error"]), str(body["detail"])
    except (ValueError, KeyError, TypeError):
        name, detail = "", response.text[:200] or response.reason_phrase
    kind = _BY_NAME.get(name) or _BY_STATUS.get(response.status_code)
    if kind is None:
        kind = Busy if response.status_code == 503 else RagError
    return kind(f"{detail} (HTTP {response.status_code})" if kind is RagError else detail)


def _citation(d: dict[str, Any]) -> Citation:
    return Citation(d["text"], d["start"], d["end"], d["speaker"], d["turn_index"], d.get("timestamp"))


def _passage(d: dict[str, Any]) -> Passage:
    highlight = d.get("highlight")
    return Passage(
        quote=d["quote"],
        score=d["score"],
        document_id=d["document_id"],
        document_title=d["document_title"],
        start=d["start"],
        end=d["end"],
        speaker=d["speaker"],
        act=d["act"],
        turn_index=d["turn_index"],
        question=_citation(d["question"]) if d.get("question") else None,
        thread=tuple(_citation(c) for c in d.get("thread", ())),
        timestamp=d.get("timestamp"),
        highlight=Span(highlight["start"], highlight["end"]) if highlight else None,
        speakers=tuple(d.get("speakers", ())),
        url=d.get("url", ""),
        media_url=d.get("media_url"),
        document_date=d.get("document_date"),
        person=d.get("person"),
    )


def _answer(d: dict[str, Any]) -> Answer:
    e = d.get("evidence")
    return Answer(
        question=d["question"],
        passages=tuple(_passage(p) for p in d["passages"]),
        answerable=d["answerable"],
        confidence=d.get("confidence"),
        evidence=Evidence(
            e["similarity"],
            e["coverage"],
            e["unknown"],
            e.get("terms", 0),
            e.get("margin", 0.0),
            e.get("standout", 0.0),
        )
        if e
        else None,
        groups=tuple(
            DocumentGroup(
                g["document_id"],
                g["document_title"],
                g.get("document_date"),
                tuple(_passage(p) for p in g["passages"]),
            )
            for g in d.get("groups") or ()
        ),
    )


def _person(d: dict[str, Any]) -> Person:
    return Person(d["name"], tuple(d["aliases"]), d["documents"], d["turns"], tuple(d["roles"]))


def _info(d: dict[str, Any]) -> DocumentInfo:
    return DocumentInfo(
        id=d["id"],
        title=d["title"],
        format=d["format"],
        content_hash=d["content_hash"],
        turn_count=d["turn_count"],
        chunk_count=d["chunk_count"],
        source=d.get("source"),
        added_at=d.get("added_at", ""),
        date=d.get("date"),
        kind=d.get("kind"),
        tags=tuple(d.get("tags", ())),
    )


def _document(d: dict[str, Any]) -> Document:
    turns = tuple(
        Turn(
            index=i,
            act=t["act"],
            start=t["start"],
            end=t["end"],
            speaker=t.get("speaker"),
            question_index=t.get("question_index"),
            timestamp=t.get("timestamp"),
            page=t.get("page"),
        )
        for i, t in enumerate(d["turns"])
    )
    return Document(
        id=d["id"],
        text=d["text"],
        turns=turns,
        title=d["title"],
        format=d["format"],
        metadata=dict(d.get("metadata", {})),
        roles=dict(d.get("roles", {})),
    )


def _added(d: dict[str, Any]) -> AddResult:
    return AddResult(d["id"], d["status"], d["chunks"])
