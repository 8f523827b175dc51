"""Plain-text transcript reader with explicit, checked encoding detection."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ReaderError
from .turns import DEFAULT_INTERVIEWER_LABELS, segments_from_paragraphs

_NORWEGIAN = set("æøåÆØÅ")
# Characters that cp1252 gives for the bytes of æøå in old DOS code pages (cp865/cp850).
_DOS_SIGNS = set("‘›†’•˜¢¥")


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode transcript bytes; returns (text, encoding). Never guesses silently on æøå."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ReaderError(path, "broken UTF-16 text", "save it again as UTF-8") from None
    if b"\x00" in data[:4096]:
        even, odd = data[0:4096:2].count(0), data[1:4096:2].count(0)
        encoding = "utf-16-be" if even > odd else "utf-16-le"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            raise ReaderError(path, "binary data, not text", "export the transcript as .txt or .docx") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    letters_after = sum(1 for a, b in zip(text, text[1:]) if b in _DOS_SIGNS and a.isalpha())
    if letters_after > max(2, text.count("æ") + text.count("ø") + text.count("å")):
        try:
            return data.decode("cp865"), "cp865"
        except UnicodeDecodeError:
            pass
    if text.count("\ufffd") > 0:
        raise ReaderError(path, "unknown text encoding (not UTF-8, UTF-16 or cp1252)", "save it as UTF-8")
    return text, "cp1252"


_BLANK_LINES = re.compile(r"\n\s*\n")


def read_text(path: Path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS):
    """Segments of a .txt transcript and the detected encoding."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise ReaderError(path, "empty file", "replace it with the transcript")
    text, encoding = decode(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One paragraph per line, unless the file wraps lines and separates paragraphs by blank lines.
    lines = [l for l in text.split("\n")]
    if _BLANK_LINES.search(text) and not _labels_on_most_lines(lines):
        paragraphs = [p.replace("\n", " ") for p in _BLANK_LINES.split(text)]
    else:
        paragraphs = lines
    segments = segments_from_paragraphs([p for p in paragraphs if p.strip()], interviewer_labels)
    if not segments:
        raise ReaderError(path, "no text", "check the file")
    return segments, encoding


def _labels_on_most_lines(lines) -> bool:
    from .turns import match_label

    nonblank = [l for l in lines if l.strip()]
    return bool(nonblank) and sum(match_label(l) is not None for l in nonblank) >= len(nonblank) * 0.5
