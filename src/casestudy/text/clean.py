"""Clean extracted PDF text: hyphenation across line breaks, running headers/footers, Unicode.

PDFium marks a hyphen at a line break as U+FFFE. Whether the hyphen belongs to the
word is decided here: ``fore|bygging`` joins to ``forebygging``, ``NAV|kontoret``
keeps its hyphen, and a suspended compound (``barne- og familietjenesten``) keeps
the hyphen and the space.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from .nb import SUSPENSION_WORDS, TOC_HEADING, TOC_LEADER, TOC_RUN


_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_LIGATURE_CHARS = re.compile("[ﬀﬁﬂﬃﬄﬅﬆ]")
_OTHER_SPACES = r"\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f"[ {_OTHER_SPACES}]+")
# what _SPACES changes: a space other than U+0020 (found by one character class, far faster than an
# alternation), or two U+0020 in a row
_OTHER_SPACE = re.compile(f"[{_OTHER_SPACES}]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffe]")
# Control characters (a damaged text layer, a stray byte in a transcript), noncharacters and lone
# surrogates: never text, and they break XLSX and UTF-8 output. Form feed and vertical tab are spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\uffff\ud800-\udfff]")
_CONTROL_SPACE = re.compile(r"[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")
# all four as one character class: one fast scan finds whether any substitution has work to do
_UNUSUAL = re.compile("[" + "".join(p.pattern[1:-1] for p in (_LIGATURE_CHARS, _INVISIBLE, _CONTROL,
                                                                _CONTROL_SPACE)) + "]")
_HYPHEN_MARKS = "\ufffe\u00ad-‐"
_INLINE_BREAK = re.compile(r"(\S*?)\ufffe\s*(\S*)")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:side|s\.|page)\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:av|/|of)\s*\d{1,4})?\s*$", re.IGNORECASE
)


def normalize_text(text: str) -> str:
    """NFC, ligatures spelled out, invisible marks and control characters dropped, runs of spaces folded;
    idempotent. Line breaks are kept (a paragraph's lines are joined by :func:`join_lines`)."""
    # Drop and replace first, compose after: a mark dropped between a letter and a combining
    # accent would otherwise leave an uncomposed pair that a second call would compose.
    if _UNUSUAL.search(text):
        if _LIGATURE_CHARS.search(text):  # str.translate is slow on non-ASCII text: only when needed
            text = text.translate(_LIGATURES)
        text = _CONTROL_SPACE.sub(" ", text)
        text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    if "  " in text or _OTHER_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return text.strip()


def hyphen_join(left: str, right: str) -> str:
    """Join ``left`` (ending in a line-break hyphen) with ``right`` (the next line)."""
    stem = left.rstrip(_HYPHEN_MARKS)
    right = right.lstrip()
    if not stem or not right:
        return stem + "-" + (" " + right if right else "")
    first_word = re.match(r"[^\s,.;:!?]*", right).group(0).lower()
    if first_word in SUSPENSION_WORDS:
        return f"{stem}- {right}"
    before, after = stem[-1], right[0]
    if before.isupper() or before.isdigit() or after.isupper() or after.isdigit() or not before.isalpha():
        return f"{stem}-{right}"
    return stem + right


def _join_inline(match: re.Match) -> str:
    return hyphen_join(match.group(1) + "\ufffe", match.group(2))


def join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph, resolving line-break hyphens; returns normalised text."""
    text = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        # PDFium already joins a hyphenated break inside one text line: "fore\ufffebygging".
        if "\ufffe" in line:
            line = _INLINE_BREAK.sub(_join_inline, line)
        if not text:
            text = line
        elif text[-1] in _HYPHEN_MARKS and len(text) > 1 and text[-2].isalnum():
            text = hyphen_join(text, line)
        else:
            text = f"{text} {line}"
    return normalize_text(text)


def is_page_number(line: str) -> bool:
    """A line holding only a page number ('12', 'Side 3 av 10', '- 4 -')."""
    return bool(_PAGE_NUMBER.match(line))


@functools.lru_cache(maxsize=4096)  # running lines repeat on every page, and each is keyed twice
def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", normalize_text(line).lower())


def running_line_keys(pages: list[list[str]], *, edge: int = 3, min_share: float = 0.5) -> set[str]:
    """Keys of lines that repeat at the top or bottom of most pages (running headers and footers)."""
    counted = [p for p in pages if p]
    if len(counted) < 2:
        return set()
    seen: Counter = Counter()
    for lines in counted:
        keys = {_line_key(l) for l in lines[:edge] + lines[-edge:] if l.strip()}
        seen.update(keys)
    needed = max(2, -(-len(counted) * min_share // 1))
    return {key for key, n in seen.items() if n >= needed and key.strip("# ")}


def strip_running_lines(pages: list[list[str]], *, edge: int = 3) -> list[list[bool]]:
    """For each page, a keep-flag per line: False for running headers/footers and bare page numbers."""
    keys = running_line_keys(pages, edge=edge)
    flags = []
    for lines in pages:
        keep = [True] * len(lines)
        n = len(lines)
        for i, line in enumerate(lines):
            at_edge = i < edge or i >= n - edge
            if at_edge and (is_page_number(line) or _line_key(line) in keys):
                keep[i] = False
        flags.append(keep)
    return flags


_TWO_NUMBERS = re.compile(r"\d\s+\d")


def is_toc(text: str) -> bool:
    """A table-of-contents line or run of entries ('Samarbeid ........ 7', '1 Innledning 3 2 Bakgrunn 4 …').
    (The substring tests first: most paragraphs have neither dot leaders nor two numbers in a row.)"""
    if ("..." in text or ". ." in text or "…" in text) and TOC_LEADER.search(text):
        return True
    return bool(_TWO_NUMBERS.search(text)) and len(TOC_RUN.findall(text)) >= 2


def contents_segments(segments) -> set[int]:
    """Indices of a document's table of contents: the section under a heading «Innhold» (to the next heading)
    and every line that looks like a contents entry."""
    found, inside = set(), False
    for segment in segments:
        if segment.heading:
            inside = bool(TOC_HEADING.match(segment.text))
            if inside:
                found.add(segment.index)
                continue
        if inside or is_toc(segment.text):
            found.add(segment.index)
    return found
