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

from ..model import Act, Turn
from . import acts

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


ASKER_NAMES = frozenset({"q", "question", "interviewer", "host", "reporter", "journalist"})
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
_TITLES = frozenset(
    {
        *("mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "madame", "mister", "lord", "lady"),
        *("hon", "dame", "baroness", "rev", "prof", "professor", "sen", "senator", "rep", "cllr"),
        *("councillor", "the", "chair", "chairman", "chairwoman", "speaker", "minister", "secretary"),
        *("president", "judge", "member", "deputy"),
    }
)
"""Words of a speaker's label that name no one in particular (a moderator's "Mr. Jones." is not
a call to Mr. Smith)."""
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


def _named(floor: str, speaker: str | None) -> bool:
    """Whether a turn handing the floor ("Kyle.", "Okay, Hefin.") names this speaker: a moderator
    giving the next question to someone else, whose question then starts a thread of its own
    however it opens ("Kyle Campbell with American Banker. I have a couple of questions ...")."""
    if speaker is None or not acts.hands_floor(floor):
        return False
    called = {w.lower() for w in _WORD.findall(floor)}
    return any(w in called for w in map(str.lower, _WORD.findall(speaker)) if w not in _TITLES)


def _askers(utterances: Sequence[Utterance]) -> set[str | None]:
    """Speakers the source marks as asking (`Q:`, a dash, bold) or names so ("Interviewer")."""
    marked = {u.speaker for u in utterances if u.asks}
    named = {u.speaker for u in utterances if u.speaker and u.speaker.lower() in ASKER_NAMES}
    return marked | named


@dataclass(slots=True)
class _Para:
    start: int
    end: int
    role: Act
    speaker: str | None
    new_turn: bool
    timestamp: str | None = None


def _roles(text: str, utterances: Sequence[Utterance], askers: set[str | None]) -> list[_Para]:
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
                role: Act = "question"
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


def _merge(text: str, utterances: Sequence[Utterance], askers: set[str | None]) -> list[_Para]:
    merged: list[_Para] = []
    for p in _roles(text, utterances, askers):
        if merged and not p.new_turn:
            merged[-1].end = p.end
        else:
            merged.append(p)
    return merged


def _marked_links(text: str, merged: list[_Para]) -> list[tuple[Act, int | None]]:
    """Where the source marks who asks (`Q:`, dashes, an interviewer's label), the marks decide;
    only turns that do nothing but acknowledge or run the room lose their act."""
    out: list[tuple[Act, int | None]] = []
    asked: int | None = None  # the latest question turn
    main: int | None = None  # the main question of the current thread
    for index, p in enumerate(merged):
        body = text[p.start : p.end]
        act: Act = p.role
        if act in ("question", "answer"):
            content = acts.classify(body)
            kept = _replies(body) if act == "answer" else "?" in body  # "Really?" still asks
            kept = kept or (act == "question" and acts.hands_floor(body))  # marked: "Q Mr. President —"
            if content in ("backchannel", "procedural") and not kept:
                act = content
        link: int | None = None
        if act == "question":
            if main is not None and is_follow_up(body):
                link = main
            else:
                main = index
            asked = index
        elif act == "answer":
            link = asked
        out.append((act, link))
    return out


_YES_NO = re.compile(
    r"^\W*(yes|no|yeah|yep|nope|nah|sure|correct|exactly|right|absolutely|definitely)\b", re.I
)
_INTERVIEW_MAX_SPEAKERS = 4
_GUEST_WORD_SHARE = 0.45
_GUEST_ASK_RATIO = 0.2
_ASKER_SHARE = 0.2
_GUEST_QUESTION_CHARS = 200
_LONG_REPLY_CHARS = 600
_ECHO_WORDS = 5
_ANSWER_WINDOW = 6
"""Turns of other speakers after a question that can still be its answers (backchannels and
the room's procedure not counted), where nothing in the source marks the exchange."""


def _echoes(body: str) -> bool:
    """A reply that repeats the question back and goes on ("How many? I don't know. …")."""
    spans = acts.sentences(body)
    if len(spans) < 2:
        return False
    first = body[spans[0][0] : spans[0][1]]
    return (
        first.rstrip().endswith("?") and len(first.split()) <= _ECHO_WORDS and not body.rstrip().endswith("?")
    )


def _replies(body: str) -> bool:
    """A short yes or no says something when it follows a question."""
    return bool(_YES_NO.match(body))


def _interviewee(text: str, merged: list[_Para], contents: list[acts.Content]) -> str | None:
    """The one speaker an unmarked conversation is about, if it has that shape: the guest who
    says most and asks least while the few others ask (a podcast, a spotlight, a hearing of
    one witness). A meeting, where talk and questions are spread, has none."""
    words: Counter[str] = Counter()
    turns: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    for p, content in zip(merged, contents, strict=True):
        if p.speaker is None or content in ("backchannel", "procedural"):
            continue
        words[p.speaker] += len(text[p.start : p.end].split())
        turns[p.speaker] += 1
        asked[p.speaker] += content == "question"
    if not 2 <= len(turns) <= _INTERVIEW_MAX_SPEAKERS:
        return None
    ratio = {s: asked[s] / n for s, n in turns.items()}
    guest = max(turns, key=lambda s: words[s] * (1 - ratio[s]))
    others = [s for s in turns if s != guest]
    if words[guest] < _GUEST_WORD_SHARE * sum(words.values()) or ratio[guest] > _GUEST_ASK_RATIO:
        return None
    if sum(asked[s] for s in others) < max(2, _ASKER_SHARE * sum(turns[s] for s in others)):
        return None
    return guest


def _spoken_links(text: str, merged: list[_Para]) -> list[tuple[Act, int | None]]:
    """Without marks, a turn asks when its words ask, whoever speaks. A statement answers the
    latest question someone else asked, while that question is recent (a speaker who asks back
    "Can I just be clear?" still answers the question put to them). In a conversation about
    one guest, the guest's turns answer the last question however long they run, a long turn
    of theirs that ends in a question still answers, and the hosts' remarks answer nothing."""
    contents = [acts.classify(text[p.start : p.end]) for p in merged]
    guest = _interviewee(text, merged, contents)
    out: list[tuple[Act, int | None]] = []
    open_questions: list[tuple[int, str | None]] = []  # (turn, asker), latest last
    since: dict[int, int] = {}  # substantive turns since each open question
    main: dict[int, int] = {}  # each question's thread
    floor = ""  # the turn just before, when it ran the room
    for index, (p, content) in enumerate(zip(merged, contents, strict=True)):
        body = text[p.start : p.end]
        handed, floor = _named(floor, p.speaker), ""
        if p.speaker is None:  # a heading, a clock line, narration: the exchange is over
            out.append(("narration", None))
            open_questions, since = [], {}
            continue
        just_asked = bool(out) and out[-1][0] == "question" and open_questions[-1][1] != p.speaker
        if content == "question" and (
            (p.speaker == guest and len(body) > _GUEST_QUESTION_CHARS)
            or (just_asked and (len(body) > _LONG_REPLY_CHARS or _echoes(body)))
        ):
            content = "statement"  # a reply that echoes ("How many? I don't know …") still answers
        if content == "procedural" and just_asked and acts.hands_floor(body):
            content = "statement"  # "Who chairs it? — Ann Bell." names an answer
        recent = [q for q, _ in open_questions if since[q] < _ANSWER_WINDOW]
        if content == "question":
            # the floor handed to someone other than the last asker: a new reporter, a new thread
            elsewhere = handed and (not recent or merged[recent[-1]].speaker != p.speaker)
            link = main[recent[-1]] if recent and not elsewhere and is_follow_up(body) else None
            main[index] = index if link is None else link
            open_questions.append((index, p.speaker))
            since[index] = 0
            out.append(("question", link))
            continue
        if content == "statement" or (content == "backchannel" and just_asked and _replies(body)):
            target = next(
                (
                    q
                    for q, asker in reversed(open_questions)
                    if asker != p.speaker
                    and asker != guest
                    and (since[q] < _ANSWER_WINDOW or p.speaker == guest)
                ),
                None,
            )
            if guest is not None and p.speaker != guest:
                target = None
            for q, _ in open_questions:
                since[q] += 1
            out.append(("answer", target) if target is not None else ("narration", None))
        else:
            out.append((content, None))
            floor = body if content == "procedural" else ""  # not one that answered ("— Ann Bell.")
    return out


def build_turns(text: str, utterances: Sequence[Utterance]) -> tuple[Turn, ...]:
    """Merge paragraphs into turns, give each its act, and link answers to questions and
    follow-ups to their thread."""
    askers = _askers(utterances)
    merged = _merge(text, utterances, askers)
    links = _marked_links(text, merged) if askers else _spoken_links(text, merged)
    pages = {u.start: u.page for u in utterances if u.page is not None}
    return tuple(
        Turn(index, act, p.start, p.end, p.speaker, link, p.timestamp, pages.get(p.start))
        for index, (p, (act, link)) in enumerate(zip(merged, links, strict=True))
    )
