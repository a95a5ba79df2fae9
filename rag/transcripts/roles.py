"""Each speaker's part in a conversation, told from what their label says and what their
turns do: a property of the speaker, reported per document, never the act of a turn."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..model import Turn

__all__ = ["ROLES", "speaker_roles"]

ROLES = (
    "interviewer",
    "guest",
    "reporter",
    "official",
    "chair",
    "moderator",
    "member",
    "witness",
    "participant",
)

_LABELS = (
    (re.compile(r"^(?:q|question|reporter|journalist|press)$", re.IGNORECASE), "reporter"),
    (re.compile(r"^(?:interviewer|host|co-host|presenter|anchor)\b", re.IGNORECASE), "interviewer"),
    (re.compile(r"^(?:moderator|facilitator)\b", re.IGNORECASE), "moderator"),
    (re.compile(r"^(?:(?:several |some )?hon(?:ourable|\.)? members|members)\b", re.IGNORECASE), "member"),
    (
        re.compile(
            r"\b(?:chair|chairman|chairwoman|chairperson|presiding officer|madam speaker|mr\.? speaker|"
            r"the speaker|deputy speaker)\b",
            re.IGNORECASE,
        ),
        "chair",
    ),
)


def _by_label(speaker: str) -> str | None:
    name = speaker.strip()
    for pattern, role in _LABELS:
        if pattern.search(name):
            return role
    return None


def speaker_roles(turns: Sequence[Turn]) -> dict[str, str]:
    """interviewer / guest in a conversation about one person, reporter / official in a
    briefing, chair / member / witness in a hearing, moderator where someone only hands the
    floor, participant where everyone asks and answers (a meeting)."""
    acts: dict[str, Counter[str]] = {}
    for t in turns:
        if t.speaker:
            acts.setdefault(t.speaker, Counter())[t.act] += 1
    labelled = {s: _by_label(s) for s in acts}
    roles: dict[str, str] = {}
    for speaker, counts in acts.items():
        talk = counts["question"] + counts["answer"] + counts["narration"]
        if labelled[speaker]:
            roles[speaker] = labelled[speaker]  # type: ignore[assignment]
        elif counts["procedural"] >= 2 and counts["procedural"] >= talk:
            roles[speaker] = "moderator"
    moderated = "moderator" in roles.values()
    for speaker, role in list(roles.items()):
        counts = acts[speaker]
        if moderated and role == "chair" and counts["answer"] > max(2, counts["question"]):
            roles[speaker] = "official"  # a "CHAIR …" label at a press conference who answers: a title
    present = set(roles.values())
    askers = {s for s, c in acts.items() if c["question"] and c["question"] >= c["answer"]}
    answerers = {s for s, c in acts.items() if c["answer"] > c["question"]}
    hearing = "chair" in present
    briefing = "reporter" in present or "moderator" in present
    two_sided = len(acts) <= 3 and bool(askers) and bool(answerers)
    panel = len(answerers) <= 2 and len(askers) > 3  # many ask a witness or two: a hearing
    hearing = hearing or panel
    if panel and "chair" not in present:
        first = next(t.speaker for t in turns if t.speaker)
        top = max(answerers, key=lambda s: acts[s]["answer"])
        if first != top and first not in roles:
            roles[first] = "chair"  # who opens a hearing and is not its witness chairs it
    for speaker in acts:
        if speaker in roles:
            continue
        if speaker in askers:
            roles[speaker] = (
                "reporter"
                if briefing
                else "member"
                if hearing
                else "interviewer"
                if two_sided
                else "participant"
            )
        elif speaker in answerers:
            roles[speaker] = (
                "official" if briefing else "witness" if hearing else "guest" if two_sided else "participant"
            )
        else:
            roles[speaker] = "participant"
    return roles
