"""What one turn does, read from its words: asks, acknowledges, runs the room, or tells.

Whoever says it: in a meeting, a panel or a script anyone asks and anyone answers, so the
act belongs to the turn, not to the speaker. Pure functions over a turn's text.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["Content", "asks", "classify", "hands_floor", "is_backchannel", "is_procedural", "sentences"]

Content = Literal["question", "backchannel", "procedural", "statement"]

_SENTENCE = re.compile(r"[^.?!\u2026]*(?:[.?!\u2026]+[\"'\u201d\u2019)\]]*|$)")
_WORD = re.compile(r"[\w'\u2019-]+")

# Words that only acknowledge, agree or hesitate: a turn of nothing else adds no content.
_BACKCHANNEL_WORDS = frozenset(
    [
        "yeah",
        "yea",
        "yes",
        "yep",
        "yup",
        "ya",
        "ok",
        "okay",
        "kay",
        "'kay",
        "mm",
        "mmm",
        "mm-hmm",
        "mhm",
        "hmm",
        "hm",
        "uh-huh",
        "uh",
        "um",
        "erm",
        "er",
        "ah",
        "oh",
        "ooh",
        "huh",
        "wow",
        "right",
        "alright",
        "all",
        "sure",
        "cool",
        "great",
        "good",
        "fine",
        "nice",
        "true",
        "exactly",
        "absolutely",
        "definitely",
        "indeed",
        "agreed",
        "agree",
        "i",
        "see",
        "so",
        "well",
        "and",
        "but",
        "yeah-yeah",
        "no",
        "nope",
        "nah",
        "thanks",
        "thank",
        "you",
        "sounds",
        "that's",
        "thats",
        "it's",
        "right-o",
        "totally",
        "correct",
        "perfect",
        "lovely",
        "super",
        "brilliant",
        "wonderful",
        "got",
        "it",
        "fair",
        "enough",
        "really",
        "interesting",
        "gotcha",
        "uh-uh",
        "mm-mm",
    ]
)
_BACKCHANNEL_MAX_WORDS = 6
_NOTE = re.compile(r"(?:\\?[\[(][^\[\]()]{1,60}\\?[\])][.\s]*)+")

_PROCEDURAL = re.compile(
    r"^(?:good (?:morning|afternoon|evening)(?:,? (?:everyone|everybody|all))?[,.!]?\s*)?"
    r"(?:(?:thank you|thanks)(?: very much)?[,.!]?\s*)?(?:(?:okay|ok|all right|so|and|now)[,.]?\s+)?(?:"
    r"(?:first|next|last|final) question|(?:the )?next (?:one|reporter|speaker|item|point|topic|agenda item)|"
    r"(?:let's |let us |we'll |shall we )?mov(?:e|ing) on\b|"
    r"(?:let's|let us|we'll|we will|i'll|i will) "
    r"(?:go|turn|move|come|take) (?:to|over to|next to|a question from)|go ahead|over to you|"
    r"the floor is yours|you have the floor|(?:the )?(?:chair|chairman|chairwoman|speaker|president) "
    r"(?:recogni[sz]es|calls)|i (?:now )?(?:call|recogni[sz]e|call upon|call on)|"
    r"order[,.!]? order|(?:the )?(?:committee|meeting|hearing|house|session|sitting) "
    r"(?:will|shall|is|stands) (?:come to order|now |be )?(?:in order|adjourned|in recess|suspended|resume)|"
    r"(?:we are|we're) (?:adjourned|in recess)|(?:last|final) question|one more question|"
    r"(?:mr|madam|madame|mister) (?:chair|chairman|chairwoman|speaker|president|deputy speaker)"
    r")",
    re.IGNORECASE,
)
_PROCEDURAL_MAX_CHARS = 160
# A moderator hands the floor by name alone: "Colby.", "Thank you. Steve Liesman.", "Nick, then Jeanna."
_NAME = r"[A-Z][\w'\u2019-]+(?: [A-Z][\w'\u2019-]+){0,2}"
_FLOOR_BY_NAME = re.compile(
    rf"(?:(?:thank you|thanks|okay|ok|all right)[.,!]?\s+)?{_NAME}(?:,? (?:and|then|and then) {_NAME})?[.!]?",
    re.IGNORECASE,
)

# Sentences that ask without a question mark: requests and the forms of written questions.
_ASKING_PROMPT = re.compile(
    r"^(?:and |so |but |now |okay,? |well,? |first(?: of all)?,? |secondly,? |finally,? |also,? )?(?:"
    r"(?:can|could|would|will) you (?:please )?(?:tell|explain|describe|talk|walk|say|give|share|elaborate|"
    r"comment|clarify|expand|update|confirm|speak|help us)|"
    r"(?:please )?(?:tell|explain to|walk|talk to|remind|update) (?:us|me)\b|"
    r"(?:please )?(?:describe|explain|elaborate on|talk about|comment on)\b|"
    r"i(?:'d| would)? (?:like|want|wanted) to (?:ask|know|hear|understand)|"
    r"(?:my|the|one|a) (?:first |last |final |next |follow-up |quick )?question (?:is|was|would be|for you)|"
    r"(?:i(?: was| am|'m)? )?(?:also |just |really )?(?:wonder|wondering|curious) "
    r"(?:if|whether|about|what|how|why|who|at what|to know|to hear)|"
    r"i(?:'ve| have) (?:got )?(?:a|one|two|three|a couple(?: of)?|some|a few) (?:quick |more )?questions?\b|"
    r"i(?:'d| would) be (?:interested|curious) (?:to|in)|"
    r"(?:if|whether) (?:he|she|they|the|his|her|my|it) (?:will|would|has|have|plans|intends|is|are)\b|"
    r"to ask (?:the|my|his|her)\b|"
    # the printed form of a question tabled in parliament: "What assessment she has made of …"
    r"(?:what|which) (?:recent )?(?:assessment|steps|discussions|plans|representations|progress|estimate|"
    r"assistance|support|action|proposals|measures|account|guidance|funding)\b.{0,80}?"
    r"\b(?:he|she|they|his|her|the)\b|"
    r"(?:how many|how much|when|whether|for what reason) .{0,60}?"
    r"\b(?:he|she|his department|her department)\b "
    r"(?:will|would|has|have|is|expects|plans|intends|estimates)\b"
    r")",
    re.IGNORECASE,
)
_THANKS = re.compile(r"^(?:thank you|thanks|okay|ok|all right)[.,!]?\s+|\b(?:and|then)\b", re.IGNORECASE)
_RHETORICAL_TAIL = 250
"""Characters of the speaker's own words after a question that make it rhetorical: a speaker
who asks and then goes on to answer it ("What does it give us? Well, …") is telling."""
_TAGGED_STATEMENT = 250
_TAG_QUESTION = re.compile(
    r"(?:,|^)\s*(?:right|you know|isn't it|don't you think|no|yeah|okay|ok|huh|eh|correct)\?$", re.IGNORECASE
)


_ABBREVIATION = re.compile(
    r"(?:^|\W)(?:mr|mrs|ms|dr|hon|st|no|vs|prof|gen|sen|rep|gov|e\.g|i\.e|etc|u\.s)\.$", re.I
)


def sentences(text: str) -> list[tuple[int, int]]:
    """Offsets of each sentence in `text` (ends kept), blank ones dropped; a period after
    "Mr", "hon" or "e.g" ends no sentence."""
    out: list[tuple[int, int]] = []
    joined = False
    for m in _SENTENCE.finditer(text):
        a, b = m.span()
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            if joined and out:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
            joined = bool(_ABBREVIATION.search(text[a:b]))
        if m.end() >= len(text):
            break
    return out


def _words(text: str) -> list[str]:
    return [w.lower().strip("'\u2019-") for w in _WORD.findall(text)]


def is_backchannel(text: str) -> bool:
    """Nothing but acknowledgements ("Yeah.", "Mm-hmm.", "Okay, sounds good."), or a bracketed
    note of what was heard ("[laughs]", "(Inaudible.)")."""
    if _NOTE.fullmatch(text.strip()):
        return True
    words = _words(text)
    if not words or len(words) > _BACKCHANNEL_MAX_WORDS:
        return not words and bool(text.strip()) and not any(c.isalnum() for c in text)
    return all(w in _BACKCHANNEL_WORDS for w in words)


def is_procedural(text: str) -> bool:
    """Runs the room: hands the floor, calls the next speaker, opens or closes the sitting."""
    body = _plain(text.strip())
    if len(body) > _PROCEDURAL_MAX_CHARS or "?" in body:
        return False
    return bool(_PROCEDURAL.match(body)) or hands_floor(body)


def hands_floor(text: str) -> bool:
    """A turn of nothing but a name or two ("Colby.", "Thank you. Howard."): the floor is handed
    on (after a question, the same words may be its answer: the caller decides)."""
    body = text.strip()
    if not _FLOOR_BY_NAME.fullmatch(body) or is_backchannel(body):
        return False
    return all(w[0].isupper() for w in _WORD.findall(_THANKS.sub("", body)))


def _plain(text: str) -> str:
    """Typographic apostrophes as typed ones ("Let’s" reads as "Let's"), line breaks as spaces."""
    return " ".join(text.replace("\u2019", "'").split())


_BRACKETED = re.compile(r"\\?\[[^\[\]]{0,60}\\?\]|\([^()]{0,60}\)")


# Courtesies shaped as questions: "Can I thank you for coming?", "May I correct my hon. Friend?"
_COURTESY = re.compile(
    r"^(?:and |so |well,? |okay,? )?(?:can|could|may|might|let) (?:i|me|we) (?:just |also |first |briefly )?"
    r"(?:thank|say|welcome|congratulate|add|correct|begin|start|echo|pay tribute|join|remind|"
    r"put on record)\b",
    re.IGNORECASE,
)


def _asking_sentence(sentence: str) -> bool:
    s = _plain(_BRACKETED.sub("", sentence).strip())  # "gives (??) you": the transcriber unsure
    if _COURTESY.match(s):
        return False
    if s.endswith("?") or s.endswith("?\u201d") or s.endswith('?"') or s.endswith("?)"):
        return not is_backchannel(s)
    return bool(_ASKING_PROMPT.match(s))


def asks(text: str) -> bool:
    """Some sentence asks, and the speaker does not go on to answer it at length themselves."""
    spans = sentences(text)
    asking = [(a, b) for a, b in spans if _asking_sentence(text[a:b])]
    if not asking:
        return False
    for a, b in reversed(asking):
        tail = text[b:].strip()
        if len(tail) > _RHETORICAL_TAIL:
            continue
        tag = _TAG_QUESTION.search(text, a, b)
        if tag and len(text[: tag.start()].strip()) > _TAGGED_STATEMENT:
            continue  # "…, right?" closing a long statement checks agreement, it asks nothing
        return True
    return False


def classify(text: str) -> Content:
    if is_procedural(text):
        return "procedural"
    if is_backchannel(text):
        return "backchannel"
    if asks(text):
        return "question"
    return "statement"
