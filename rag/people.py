"""Speakers as people: each document's speaker labels (`MR. VANCE`, `THE PRESIDENT`, `Q`) linked
to a person's name, from what the document itself says.

A label is normalised (case, honorifics, the office before a surname: `CHAIR ABARA` → Abara)
and, where the document gives it, linked to a full name: its front matter's `speakers:`
mapping, its title ("Press Briefing by Press Secretary Jane Doe"), its metadata (an author),
or its text (an introduction, a cast list). A role label (`THE PRESIDENT`, `THE CHAIR`, an
anonymous `Q`) names someone else in each document, so it is linked per document or left as
the role. Pure functions: the store keeps the links, the user's aliases win over them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .model import Document
from .transcripts import frontmatter

__all__ = ["Link", "is_role", "label_key", "link_speakers", "normalise"]

_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "the",
        "hon",
        "honourable",
        "honorable",
        "rt",
        "right",
        "rev",
        "reverend",
        "fr",
        "lord",
        "lady",
        "madam",
        "madame",
        "mister",
        "m",
        "mme",
        "mlle",
        "herr",
        "frau",
        "sr",
        "sra",
        "dra",
    ]
)
_OFFICES = frozenset(
    [
        "president",
        "vice",
        "chair",
        "chairman",
        "chairwoman",
        "chairperson",
        "secretary",
        "press",
        "minister",
        "prime",
        "deputy",
        "speaker",
        "senator",
        "sen",
        "governor",
        "gov",
        "ambassador",
        "amb",
        "admiral",
        "adm",
        "general",
        "gen",
        "commissioner",
        "director",
        "mayor",
        "judge",
        "justice",
        "coordinator",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "representative",
        "rep",
        "congressman",
        "congresswoman",
        "councillor",
        "councilor",
        "councilman",
        "commander",
        "captain",
        "capt",
        "colonel",
        "col",
        "lieutenant",
        "lt",
        "sergeant",
        "sgt",
        "officer",
        "agent",
        "leader",
        "chief",
        "attorney",
        "counsel",
        "chancellor",
        "premier",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "emperor",
        "professor",
        "doctor",
        "detective",
        "inspector",
        "superintendent",
        "constable",
        "minister's",
        "cabinet",
        "state",
        "national",
        "security",
        "nsc",
        "adviser",
        "advisor",
        "advisers",
        "member",
    ]
)
_ANONYMOUS = frozenset(
    [
        "q",
        "a",
        "question",
        "answer",
        "questioner",
        "interviewer",
        "interviewee",
        "host",
        "cohost",
        "co-host",
        "moderator",
        "reporter",
        "reporters",
        "journalist",
        "participant",
        "participants",
        "audience",
        "members",
        "member",
        "witness",
        "clerk",
        "narrator",
        "operator",
        "announcer",
        "voice",
        "voices",
        "unidentified",
        "unknown",
        "male",
        "female",
        "several",
        "speaker",
        "guest",
        "panelist",
        "panellist",
        "student",
        "caller",
        "crowd",
        "all",
        "both",
        "others",
        "other",
    ]
)
_POSTNOMINALS = frozenset({"AM", "MP", "MSP", "MLA", "MS", "QC", "KC", "MEP", "TD", "MD", "PHD", "JR", "SR"})
_NOT_GIVEN = (
    _HONORIFICS
    | _OFFICES
    | _ANONYMOUS
    | frozenset(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "and",
            "of",
            "by",
            "with",
            "for",
            "from",
            "to",
            "at",
            "in",
            "on",
        ]
    )
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*|\d+")
_GIVEN = r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+(?:[A-Z]\.\s+)?"
_NAME_WORD = re.compile(r"[A-Z][\w'’-]*[a-z][\w'’-]*")


@dataclass(frozen=True, slots=True)
class Link:
    """One document's speaker label and the person it names."""

    label: str
    name: str
    source: str
    """`document` (the document names them), `label` (read from the label alone), `user`."""
    role: bool = False
    """A role label (`THE PRESIDENT`, `Q`): it names someone else in each document."""


def label_key(label: str) -> str:
    """How labels compare: case, punctuation and spacing aside (`Mr. Vance` = `MR VANCE`)."""
    return " ".join(w.strip(".'’-").casefold() for w in _WORD.findall(label) if w.strip(".'’-"))


def _case(word: str) -> str:
    """`DUBOIS-LANE` → `Dubois-Lane`, `O'BRIEN` → `O'Brien`; mixed case is kept as written."""
    if not word.isupper():
        return word
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word.lower())


def _words(label: str) -> list[str]:
    return [w.rstrip(".:,;") for w in label.split() if w.rstrip(".:,;")]


def normalise(label: str) -> tuple[str, bool]:
    """(the name a label gives, whether it is only a role). `MR. VANCE` → (`Vance`, False),
    `CHAIR ABARA` → (`Abara`, False), `THE PRESIDENT` → (`The President`, True)."""
    words = _words(label)
    while len(words) > 1 and words[-1] in _POSTNOMINALS and not label.isupper():
        words.pop()
    name = list(words)
    while name and (name[0].lower().strip("'’") in _HONORIFICS or name[0].lower() in _OFFICES):
        name.pop(0)
    if (
        not name
        or all(w.lower() in _ANONYMOUS or w.isdigit() for w in name)
        or (len(words) == 1 and words[0].lower() in _ANONYMOUS | _OFFICES)
    ):
        return " ".join(_case(w) for w in words) or label.strip(), True
    return " ".join(_case(w) for w in name), False


def is_role(label: str) -> bool:
    return normalise(label)[1]


def _expand(name: str, sources: list[str], lowered: set[str]) -> str | None:
    """A full name ending in (or starting with) this one-word name, in the first source that
    has one (the title first). A given name must never appear in lower case in the text (so
    "Thanks Okafor" is no name), and outside the title it must not open a sentence, where any
    word is capitalised ("Yesterday Okafor said")."""
    escaped = r"\s+".join(re.escape(w) for w in name.split())
    before = re.compile(_GIVEN + rf"(?i:{escaped})\b")
    after = re.compile(rf"(?<![\w'’-])(?i:{escaped})\s+([A-Z][a-z][\w'’-]*)(?![\w'’-])")
    for n, text in enumerate(sources):
        found: Counter[str] = Counter()
        for m in before.finditer(text):
            given = m.group(1)
            before_it = text[max(0, m.start() - 8) : m.start()].rstrip()
            opens = n > 0 and (not before_it or before_it[-1] in '.!?:;"“”(')
            if given.lower() not in _NOT_GIVEN and given.lower() not in lowered and not opens:
                found[f"{given} {' '.join(m.group(0).split()[1:])}"] += 1
        if len(name.split()) == 1:
            for m in after.finditer(text):
                family = m.group(1)
                if family.lower() not in _NOT_GIVEN and family.lower() not in lowered:
                    found[f"{text[m.start() : m.start() + len(name)]} {family}"] += 1
        if found:
            best = max(found.items(), key=lambda kv: kv[1])[0]
            return " ".join(_case(w) for w in best.split())
    return None


def _office_holder(label: str, title: str) -> str | None:
    """`THE PRESIDENT` in a document titled "… President Trump …": the name after the office."""
    office = [w for w in _words(label) if w.lower() not in _HONORIFICS]
    if not office or any(w.lower() in _ANONYMOUS for w in office):
        return None
    pattern = re.compile(
        r"(?i:" + r"\s+".join(re.escape(w) for w in office) + r")\s+((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)"
    )
    m = pattern.search(title)
    if m is None:
        return None
    words = [w for w in m.group(1).split() if w.lower() not in _NOT_GIVEN]
    return " ".join(words) if words and words == m.group(1).split()[: len(words)] else None


_BY = re.compile(r"\bby\s+((?:[A-Z][\w'’-]+\s+){0,2}[A-Z][\w'’-]+)")


def _interviewer(title: str) -> str | None:
    """ "Interview of … by Jane Doe": who asks, in an interview's title."""
    if not re.search(r"\binterview", title, re.IGNORECASE):
        return None
    m = _BY.search(title)
    if m is None:
        return None
    words = m.group(1).split()
    while words and words[0].lower() in _NOT_GIVEN:
        words.pop(0)
    return " ".join(words) if len(words) >= 2 else None


def _mapped(mapping: dict[str, str], label: str) -> str | None:
    keys = {label_key(k): v for k, v in mapping.items()}
    value = keys.get(label_key(label)) or keys.get(label_key(normalise(label)[0]))
    return " ".join(value.split()) if value and value.strip() else None


def link_speakers(doc: Document) -> list[Link]:
    """Each speaker label of `doc` with the person it names, as far as the document says."""
    labels = doc.speakers
    if not labels:
        return []
    mapping = frontmatter.mapping(doc.text[:20_000], "speakers")
    title = " ".join(doc.title.split())
    meta = [" ".join(v.split()) for k, v in doc.metadata.items() if k not in ("title", "date", "source_url")]
    lowered = {w for w in re.findall(r"\b[a-z][\w'’-]*", doc.text)}
    text = " ".join(doc.text.split()) if len(doc.text) < 2_000_000 else doc.text
    asks = Counter(t.speaker for t in doc.turns if t.act == "question" and t.speaker)
    askers = [s for s, _ in asks.most_common() if is_role(s)]
    interviewer = _interviewer(title)
    out: list[Link] = []
    for label in labels:
        name, role = normalise(label)
        given = _mapped(mapping, label)
        if given:
            out.append(Link(label, given, "document", role))
            continue
        if role:
            holder = _office_holder(label, title)
            if holder is None and interviewer and askers and label == askers[0]:
                holder = interviewer
            if holder is not None:
                full = holder if len(holder.split()) > 1 else _expand(holder, [title, text], lowered)
                out.append(Link(label, full or holder, "document", True))
            else:
                out.append(Link(label, name, "label", True))
            continue
        full = None
        if len(name.split()) == 1 or not _NAME_WORD.fullmatch(name.split()[0]):
            full = _expand(name, [title, *meta, text], lowered)
        out.append(Link(label, full or name, "document" if full else "label"))
    return out
