"""Speaker turns in transcripts: 'Intervjuer: …', 'I: …', 'Informant (barnevernleder): …'."""

from __future__ import annotations

import re

from ..text.clean import normalize_text
from ..text.nb import DEFAULT_INTERVIEWER_LABELS, INTERVIEWER_ROLE
from ..model import Segment


_LABEL = re.compile(
    r"""^\s*
    (?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?\)?\]?\s*)?          # optional time stamp [00:12:31]
    (?P<label>[A-ZÆØÅ][\wÆØÅæøå.\-]*(?:\ [\wÆØÅæøå.\-]+){0,2}?)  # one to three words, capitalised
    \s*(?:\((?P<role>[^()]{1,60})\))?                   # optional (role)
    \s*(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?\)?\]?)?\s*    # or a time stamp after the label
    :\s*(?P<text>.*)$""",
    re.VERBOSE | re.DOTALL,
)


def match_label(paragraph: str) -> tuple[str, str | None, str] | None:
    """(speaker, role, rest of the text) when the paragraph opens with a speaker label, else None."""
    match = _LABEL.match(paragraph)
    if not match:
        return None
    label = match.group("label").strip()
    # A clock time or a long phrase before the colon is not a speaker label.
    if label.lower() in {"kl", "merk", "obs", "note", "tid"} or len(label) > 40:
        return None
    role = match.group("role")
    return label, (normalize_text(role) if role else None), match.group("text")


def segments_from_paragraphs(paragraphs, interviewer_labels=DEFAULT_INTERVIEWER_LABELS) -> list[Segment]:
    """Turn paragraphs into segments; a labelled paragraph starts a turn, the rest continue it
    (``interviewer_labels`` None: a plan's paragraphs, never turns).

    ``paragraphs`` yields strings; a paragraph may hold several lines (a wrapped .txt paragraph):
    its label, if any, is on the first line, and the lines are joined with spaces.
    """
    if interviewer_labels is None:  # a plan: no speaker labels at all
        return [Segment(i, text) for i, text in enumerate(
            t for t in (normalize_text(p.replace("\r", " ").replace("\n", " ")) for p in paragraphs) if t)]
    interviewer_labels = {l.lower() for l in interviewer_labels}
    segments: list[Segment] = []
    turn = 0
    speaker = role = None
    interviewer = False
    for paragraph in paragraphs:
        # A label is only ever on the first line of a paragraph (a wrapped .txt paragraph has several).
        first, newline, rest = paragraph.partition("\n")
        found = match_label(first)
        if found:
            speaker, role, text = found
            # a label is text as well: the same normal form («ﬁ» → «fi», NFC), or a speaker is two people
            speaker, role = normalize_text(speaker), (normalize_text(role) if role else role)
            text = f"{text}{newline}{rest}"
            turn += 1
            interviewer = speaker.lower() in interviewer_labels
            if interviewer and role is None:
                role = INTERVIEWER_ROLE
        else:
            text = paragraph
        text = normalize_text(text.replace("\r", " ").replace("\n", " "))
        if not text:
            continue
        segments.append(
            Segment(
                len(segments), text, turn=turn if turn else None, speaker=speaker, role=role, interviewer=interviewer
            )
        )
    return segments

