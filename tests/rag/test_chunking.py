"""Chunk offsets are exact for every chunk of every transcript, real and arbitrary."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import ChunkingConfig, chunk_document, question_context
from rag.errors import InvalidInput
from rag.ingest import from_bytes
from rag.transcripts import parse


def _check(doc, config):
    chunks = chunk_document(doc, config)
    for c in chunks:
        turn = doc.turns[c.turn_index]
        assert turn.start <= c.start < c.end <= turn.end  # never across turns
        quote = doc.text[c.start : c.end]
        assert quote == quote.strip() and quote
        assert c.end - c.start <= config.max_chars
        assert quote in c.embed_text
    return chunks


def test_every_shared_transcript(shared):
    files = [p for p in sorted((shared / "corpus").rglob("*")) if p.is_file()]
    assert files
    config = ChunkingConfig()
    for path in files:
        doc = from_bytes(path.read_bytes(), path.name).document  # PDFs and Latin-1 XML too
        chunks = _check(doc, config)
        assert chunks, path.name
        # every non-blank character of every turn is in some chunk
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        for t in doc.turns:
            missing = [i for i in range(t.start, t.end) if i not in covered and not doc.text[i].isspace()]
            assert not missing, (path.name, t.index)


def test_answers_carry_their_question_as_context(fixture_text):
    doc = parse(fixture_text("qa.txt"), id="qa")
    chunks = chunk_document(doc, ChunkingConfig(context_chars=200))
    answer = next(c for c in chunks if doc.turns[c.turn_index].act == "answer")
    assert answer.embed_text.startswith("How long have you kept the light?")
    narration = next(c for c in chunks if doc.turns[c.turn_index].act == "narration")
    assert narration.embed_text == doc.text[narration.start : narration.end]


def test_context_keeps_the_end_of_a_long_thread(fixture_text):
    doc = parse(fixture_text("qa.txt"), id="qa")
    context = question_context(doc, doc.turns[6], 20)
    assert len(context) <= 20 and context.endswith("Really?")


def test_bad_config():
    with pytest.raises(ValueError, match="max_chars"):
        ChunkingConfig(max_chars=10)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab cD.?!:-\n\r\t\u00a0Q—é’\u2028"))
        | st.characters(exclude_categories=("Cs",)),
        max_size=600,
    ),
    st.integers(min_value=50, max_value=300),
)
def test_offsets_hold_on_arbitrary_text(text, max_chars):
    try:
        doc = parse(text, id="x")
    except InvalidInput as exc:  # a caption header with no cue ("WEBVTT") holds no speech
        assert "no speech found" in str(exc)
        return
    for t in doc.turns:
        assert 0 <= t.start <= t.end <= len(text)
    _check(doc, ChunkingConfig(max_chars=max_chars, context_chars=40))
