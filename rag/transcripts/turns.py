"""From utterances (what a format reader sees) to turns (who asked, who answered what).

Format readers only recognise labels; the rules about interviews live here once:
who the askers are, which answer belongs to which question, which questions are
follow-ups of a thread, and where the interview ends.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Act as Role
from ..model import Turn

__all__ = ["ASKER_NAMES", "Utterance", "build_turns", "is_follow_up"]


@dataclass(frozen=True, slots=True)
class Utterance:
    """A paragraph of a transcript as a format reader sees it.

    `asks` is True where the source marks a question (a dash, `Q:`), False where it
    marks an answer (`A:`), None where it says nothing. `labelled` is True where the
    paragraph opens a new turn (a speaker label or a dash); an unlabelled paragraph
    continues the turn before it.
    """

    start: int
    end: int
    speaker: str | None = None
    asks: bool | None = None
    labelled: bool = False
    timestamp: str | None = None
    aside: bool = False
    """A heading, a time stamp, an `END` line: narration that closes the turn before it."""
    page: int | None = None
    """The page it starts on, for paged sources (PDF)."""


ASKER_NAMES = frozenset({"q", "question", "interviewer", "host", "moderator", "reporter", "journalist"})
_SEPARATOR = re.compile(r"^[\W_]{1,10}$")
_CLOSING = re.compile(
    r"\bthanks?\b.{0,120}\b(interview|conversation|talking (?:to|with) (?:us|me)|"
    r"joining us|your time|being (?:with|here)|coming on|speaking with)",
    re.IGNORECASE | re.DOTALL,
)
_FOLLOW_UP_OPENERS = re.compile(
    r"^(and|but|so|or|whether|specifically|do you mean|you mean|meaning|such as|like what|how so|really)\b",
    re.IGNORECASE,
)
_CLARIFYING = re.compile(r"\b(you mean|clarify|in other words)\b", re.IGNORECASE)
_QUESTION_START = re.compile(
    r"^(what|who|whom|whose|where|when|why|how|which|do|does|did|is|are|was|were|can|could|"
    r"would|will|should|have|has|had)\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = re.compile(r"\b(it|that|this|those|these|them|they|there)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_SHORT_REPLY = 80
_ASKER_RATIO = 0.25
_SHORT_FOLLOW_UP_WORDS = 4


def is_follow_up(question: str) -> bool:
    """Interjections, clarifications and statements continue the question before them.

    A short question that opens like a question of its own ("What sells best?") starts a
    new thread unless it points back ("Would you welcome them?"); a fragment ("Thirty?")
    or a bare "Why?" does not.
    """
    text = question.strip()
    if "?" not in text:
        return True
    if _FOLLOW_UP_OPENERS.match(text) or _CLARIFYING.search(text):
        return True
    words = _WORD.findall(text)
    if len(words) > _SHORT_FOLLOW_UP_WORDS:
        return False
    if len(words) <= 2 or not _QUESTION_START.match(text):
        return True
    return bool(_BACK_REFERENCE.search(text))


def _askers(utterances: Sequence[Utterance], text: str) -> set[str | None]:
    """Speakers who ask: named as such, marked by the source, or who mostly ask questions."""
    marked = {u.speaker for u in utterances if u.asks}
    named = {u.speaker for u in utterances if u.speaker and u.speaker.lower() in ASKER_NAMES}
    if marked or named:
        return marked | named
    turns: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for u in utterances:
        if u.speaker:
            body = text[u.start : u.end]
            words[u.speaker] += len(body.split())
            if u.labelled:
                turns[u.speaker] += 1
                asked[u.speaker] += "?" in body
    if len(turns) < 2:
        return set()
    # The one who answers talks most and asks least; the others ask, if they ask at least as
    # often as the answerer does.
    ratio = {s: asked[s] / n for s, n in turns.items()}
    answerer = max(turns, key=lambda s: words[s] * (1 - ratio[s]))
    floor = max(_ASKER_RATIO, ratio.get(answerer, 0.0))
    return {s for s in turns if s != answerer and asked[s] and ratio[s] >= floor}


@dataclass(slots=True)
class _Para:
    start: int
    end: int
    role: Role
    speaker: str | None
    new_turn: bool
    timestamp: str | None = None


def _roles(text: str, utterances: Sequence[Utterance]) -> list[_Para]:
    askers = _askers(utterances, text)
    asking = [
        i
        for i, u in enumerate(utterances)
        if u.labelled and (u.asks or (u.asks is None and u.speaker in askers))
    ]
    last_question = asking[-1] if asking else -1
    out: list[_Para] = []
    started = ended = closing = unmarked_question = False
    reply_paras = 0  # paragraphs of the current answer so far
    last_asker: str | None = None
    for i, u in enumerate(utterances):
        body = text[u.start : u.end]
        nxt = utterances[i + 1] if i + 1 < len(utterances) else None
        if _SEPARATOR.match(body):
            out.append(_Para(u.start, u.end, "narration", None, True))
            ended = ended or started
            continue
        if u.aside:
            out.append(_Para(u.start, u.end, "narration", None, True, u.timestamp))
            continue
        if u.labelled:
            asks = u.asks if u.asks is not None else (u.speaker in askers)
            if asks:
                role: Role = "question"
                closing = i == last_question and bool(_CLOSING.search(body))
                started, reply_paras = True, 0
                last_asker = u.speaker
            else:
                role = "answer" if started else "narration"
                reply_paras = 1
            out.append(_Para(u.start, u.end, role, u.speaker, True, u.timestamp))
            continue
        prev = out[-1] if out else None
        if prev is None or ended or (prev.role == "narration" and prev.speaker is None):
            out.append(_Para(u.start, u.end, "narration", None, True, u.timestamp))
            continue
        if prev.role == "question" and unmarked_question:
            out.append(_Para(u.start, u.end, "answer", None, True))
            unmarked_question, reply_paras = False, 1
            continue
        if prev.role == "answer":
            if closing and reply_paras >= 1:
                ended = True
                out.append(_Para(u.start, u.end, "narration", None, True))
                continue
            if (
                prev.speaker is None
                and reply_paras == 1
                and prev.end - prev.start <= _SHORT_REPLY
                and body.rstrip().endswith("?")
                and nxt is not None
                and not nxt.labelled
            ):
                # a short reply, then an unlabelled question: the interviewer spoke without a marker
                out.append(_Para(u.start, u.end, "question", last_asker, True))
                reply_paras, unmarked_question = 0, True
                continue
            reply_paras += 1
        out.append(_Para(u.start, u.end, prev.role, prev.speaker, False))
    return out


def build_turns(text: str, utterances: Sequence[Utterance]) -> tuple[Turn, ...]:
    """Merge paragraphs into turns and link answers to questions and follow-ups to threads."""
    merged: list[_Para] = []
    for p in _roles(text, utterances):
        if merged and not p.new_turn:
            merged[-1].end = p.end
        else:
            merged.append(p)
    turns: list[Turn] = []
    asked: int | None = None  # the latest question turn
    main: int | None = None  # the main question of the current thread
    for index, p in enumerate(merged):
        link: int | None = None
        if p.role == "question":
            if main is not None and is_follow_up(text[p.start : p.end]):
                link = main
            else:
                main = index
            asked = index
        elif p.role == "answer":
            link = asked
        turns.append(Turn(index, p.role, p.start, p.end, p.speaker, link, p.timestamp))
    return tuple(turns)
