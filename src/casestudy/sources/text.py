"""Plain-text transcript reader with explicit, checked encoding detection."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..errors import ReaderError
from ..text.nb import DEFAULT_INTERVIEWER_LABELS
from .turns import segments_from_paragraphs
from .formats import Read

# Characters that cp1252 gives for the bytes of æøå in old DOS code pages (cp865/cp850).
_DOS_SIGNS = set("‘›†’•˜¢¥")
#: æ ø å Æ Ø Å (and é) in UTF-8.
_UTF8_LETTER = re.compile(rb"\xc3[\xa5\xa6\xb8\x85\x86\x98\xa9]")


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode transcript bytes; returns (text, encoding). Never guesses silently on æøå."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            data = data[3:]  # a UTF-8 mark, but not all of it is UTF-8: decoded line by line below
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ReaderError(path, "broken UTF-16 text", "save it again as UTF-8") from None
    if b"\x00" in data[:4096]:
        even, odd = data[0:4096:2].count(0), data[1:4096:2].count(0)
        encoding = "utf-16-be" if even > odd else "utf-16-le"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise ReaderError(path, "binary data, not text", "export the transcript as .txt or .docx") from None
        letters = [c for c in text[:20000] if c.isalpha()]
        if letters and sum(c < "\u0250" for c in letters) < len(letters) * 0.9:  # not Latin script: not UTF-16
            raise ReaderError(path, "binary data, not text", "export the transcript as .txt or .docx")
        return text, encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _UTF8_LETTER.search(data):
        # Mostly UTF-8 (it has UTF-8 æøå) with some lines in another encoding: pasted-together parts.
        lines = []
        for line in data.split(b"\n"):
            try:
                lines.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(line.decode("cp1252", errors="replace"))
        text = "\n".join(lines)
        if "\ufffd" not in text:
            return text, "utf-8+cp1252"
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


def _identify(data: bytes, path: Path) -> None:
    """Refuse bytes that are clearly another format before trying text encodings on them."""
    if data.startswith(b"%PDF"):
        raise ReaderError(path, "a PDF with a .txt name", "rename it to .pdf")
    if data.startswith(b"PK\x03\x04"):
        raise ReaderError(path, "a ZIP or Word (.docx) file with a .txt name", "rename it to .docx, or export as .txt")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReaderError(path, "an old Word .doc file with a .txt name", "open it in Word and save it as .docx")
    if data.startswith(b"{\\rtf"):
        raise ReaderError(path, "an RTF file with a .txt name", "open it in Word and save it as .docx or plain text")


def _binary(text: str) -> bool:
    """Decoded text that is really binary data: control characters and unassigned code points.

    Private-use characters (Word's symbol-font bullets), noncharacters (U+FFFE) and U+FFFD are
    text: a U+FFFD that a strict UTF-8/UTF-16 decode gives back stands in the file itself (the
    cp1252 fall-back refuses replacement characters of its own in ``decode``).
    """
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(1 for c in sample
              if unicodedata.category(c) in ("Cc", "Cn", "Cs") and c not in "\t\n\r\f\ufffe\uffff")
    return bad > max(2, len(sample) // 100)


def read_text(path: Path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS):
    """Segments of a .txt transcript and the detected encoding."""
    path = Path(path)
    data = path.read_bytes()
    if not data:
        raise ReaderError(path, "empty file (0 bytes)", "replace it with the transcript")
    _identify(data, path)
    text, encoding = decode(data, path)
    if _binary(text):
        raise ReaderError(path, "binary data, not text", "export the transcript as .txt (UTF-8) or .docx")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # One paragraph per line, unless the file wraps lines and separates paragraphs by blank lines.
    lines = text.split("\n")
    if _BLANK_LINES.search(text) and (interviewer_labels is None or not _labels_on_most_lines(lines)):
        paragraphs = _BLANK_LINES.split(text)
    else:
        paragraphs = lines
    segments = segments_from_paragraphs([p for p in paragraphs if p.strip()], interviewer_labels)
    if not segments:
        raise ReaderError(path, "no text (only blank lines or speaker labels)", "replace it with the transcript")
    return segments, encoding


def _labels_on_most_lines(lines) -> bool:
    from .turns import match_label

    nonblank = [l for l in lines if l.strip()]
    return bool(nonblank) and sum(match_label(l) is not None for l in nonblank) >= len(nonblank) * 0.5


def read(path: Path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS) -> Read:
    """The READERS entry point (see formats.py): a text transcript's turns and its encoding."""
    segments, encoding = read_text(path, interviewer_labels)
    return Read(segments, encoding=encoding)
