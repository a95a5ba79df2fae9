"""ParlParse / TheyWorkForYou debate XML: speeches as `Speaker: words` turns with times,
headings and divisions as narration, DTD tricks refused."""

from __future__ import annotations

import pytest

from rag.errors import InvalidInput
from rag.ingest import from_bytes
from rag.transcripts import parse

DEBATE = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE publicwhip
[
<!ENTITY mdash   "&#8212;">
<!ENTITY eacute "&#233;" >
]>
<publicwhip scrapeversion="a" latest="yes">
<major-heading id="uk.org.publicwhip/debate/2010-01-05a.1.0" nospeaker="true" time="14:30:00">
\tFERRIES
</major-heading>
<speech id="uk.org.publicwhip/debate/2010-01-05a.1.1" nospeaker="true" time="14:30:00">
\t<p pid="a.1.1/1" class="italic">Motion made, and Question proposed.</p>
</speech>
<speech id="uk.org.publicwhip/debate/2010-01-05a.1.2" speakername="Ren&eacute;e Hall" time="14:31:00">
\t<p pid="a.1.2/1">What colour is the ferry&mdash;and who <i>paints</i> it?</p>
</speech>
<speech id="uk.org.publicwhip/debate/2010-01-05a.1.3" speakername="Tom Brook" time="014:32:00">
\t<p pid="a.1.3/1">It is yellow.</p>
\t<p pid="a.1.3/2">The crew paint it each spring.</p>
</speech>
<division id="uk.org.publicwhip/debate/2010-01-05a.2.0" nospeaker="true" divnumber="7" time="015:00:00">
\t<divisioncount ayes="12" noes="3" tellerayes="2" tellernoes="2"/>
\t<mplist vote="aye"><mpname vote="aye">Hall, Ren&eacute;e</mpname></mplist>
</division>
</publicwhip>
"""


def test_speeches_headings_and_times():
    doc = from_bytes(DEBATE.encode("latin-1"), "debate.xml").document  # Latin-1, as declared
    assert doc.format == "parlparse"
    assert doc.title == "House of Commons debate, 2010-01-05" and doc.metadata["date"] == "2010-01-05"
    assert doc.text == (
        "FERRIES\n\n"
        "Motion made, and Question proposed.\n\n"
        "Renée Hall: What colour is the ferry\u2014and who paints it?\n\n"
        "Tom Brook: It is yellow.\n\nThe crew paint it each spring.\n\n"
        "Division 7: Ayes 12, Noes 3\n"
    )
    got = [(t.speaker, t.timestamp, doc.text[t.start : t.end]) for t in doc.turns]
    assert got == [
        (None, "14:30:00", "FERRIES"),
        (None, "14:30:00", "Motion made, and Question proposed."),  # procedural: no speaker
        ("Renée Hall", "14:31:00", "What colour is the ferry\u2014and who paints it?"),
        ("Tom Brook", "14:32:00", "It is yellow.\n\nThe crew paint it each spring."),
        (None, "15:00:00", "Division 7: Ayes 12, Noes 3"),
    ]
    assert doc.speakers == ["Renée Hall", "Tom Brook"]


def test_the_same_debate_as_text_reads_the_same():
    assert parse(DEBATE, id="d").text == from_bytes(DEBATE.encode("latin-1"), "d.xml").document.text


BOMB = """<?xml version="1.0"?>
<!DOCTYPE publicwhip [
<!ENTITY a "lol">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
]>
<publicwhip><speech speakername="X"><p>&b;</p></speech></publicwhip>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE publicwhip [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<publicwhip><speech speakername="X"><p>&secret;</p></speech></publicwhip>
"""


@pytest.mark.parametrize("xml", [BOMB, EXTERNAL], ids=["entity-expansion", "external-entity"])
def test_dtd_tricks_are_refused(xml):
    with pytest.raises(InvalidInput, match="refused as unsafe"):
        parse(xml, id="bad")


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ("<publicwhip><speech speakername='X'><p>unclosed</speech></publicwhip>", "not well-formed XML"),
        ("<publicwhip><speech speakername='X'><p>&nbsp;</p></speech></publicwhip>", "undefined entity"),
        ("<publicwhip><major-heading>Only a heading</major-heading></publicwhip>", "no speech found"),
    ],
)
def test_bad_debates_are_refused(xml, reason):
    with pytest.raises(InvalidInput, match=reason):
        parse(xml, id="bad")


def test_an_xml_file_that_is_no_debate_is_refused():
    with pytest.raises(InvalidInput, match="root element is <rss>"):
        from_bytes(b"<?xml version='1.0'?><rss><channel><title>Feed</title></channel></rss>", "feed.xml")
