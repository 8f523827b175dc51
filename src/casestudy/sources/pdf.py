"""PDF reader: text per page with PDFium, paragraphs and headings from line geometry.

One call per line (the first character's baseline and font size) is all the layout
we need for paragraphs and headings, so reading stays close to bare PDFium speed.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from ..model import Segment
from ..text.clean import join_lines, strip_running_lines
from ..errors import ReaderError
from ..limits import check_pages
from .formats import Read

_BULLET = re.compile(r"^\s*(?:[•·▪◦●■\-–*]|\d{1,2}[.)]|[a-z][.)])\s+")
_FALLBACK_BODY_SIZE = 11.0


@dataclass(slots=True)
class Line:
    text: str
    page: int
    size: float  # font size of the first character, points
    bold: bool  # the first character's weight is 600 or more; looked up only where it can make a heading
    y_top: float  # baseline of the first character
    y_bottom: float  # baseline of the last character (lower when PDFium joined a hyphenated break)
    x: float


def _open(path: Path):
    import pypdfium2 as pdfium

    if path.stat().st_size == 0:
        raise ReaderError(path, "empty file (0 bytes)", "replace it with the real PDF")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF" not in head:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
            raise ReaderError(path, "a web page saved with a .pdf name (a failed download?)", "download the PDF again")
        if start.startswith(b"pk\x03\x04"):
            raise ReaderError(path, "a ZIP or Word (.docx) file with a .pdf name", "rename it to .docx")
        if start.startswith(b"\xd0\xcf\x11\xe0"):
            raise ReaderError(path, "an old Word .doc file with a .pdf name", "open it in Word and save it as PDF")
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise ReaderError(path, "encrypted PDF (needs a password)", "save an unprotected copy and rerun") from None
        if "security" in message:
            raise ReaderError(path, "encrypted PDF (unsupported security handler)",
                              "save an unprotected copy and rerun") from None
        if "format" in message or "file" in message:
            raise ReaderError(
                path, "not a readable PDF (corrupt or truncated)", "open it in a PDF viewer and save it again"
            ) from None
        raise ReaderError(path, f"PDFium could not open it ({exc})", "save it again as PDF") from None


def read_lines(path: Path) -> tuple[list[list[Line]], int]:
    """Every text line of every page, with its font size and baseline; returns (pages, page count)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = _open(path)
    x, y = ctypes.c_double(), ctypes.c_double()
    pages: list[list[Line]] = []
    try:
        n_pages = len(pdf)
        check_pages(path, n_pages)  # before any page is read
        for number in range(n_pages):
            try:
                page = pdf[number]
                textpage = page.get_textpage()
            except pdfium.PdfiumError:
                raise ReaderError(path, f"page {number + 1} of {n_pages} is damaged",
                                  "open it in a PDF viewer and save it again (or print it to a new PDF)") from None
            text = textpage.get_text_range()
            handle = textpage.raw
            n_chars = textpage.count_chars()
            lines: list[Line] = []
            pos = 0
            for raw_line in text.split("\r\n"):
                length = len(raw_line)
                stripped = raw_line.strip()
                if stripped and pos < n_chars:
                    first = pos + (length - len(raw_line.lstrip()))
                    raw.FPDFText_GetCharOrigin(handle, first, x, y)
                    x0, y_top = x.value, y.value
                    last = min(pos + len(raw_line.rstrip()) - 1, n_chars - 1)
                    raw.FPDFText_GetCharOrigin(handle, last, x, y)
                    size = raw.FPDFText_GetFontSize(handle, first)
                    bold = _heading_shaped(stripped) and raw.FPDFText_GetFontWeight(handle, first) >= 600
                    lines.append(Line(raw_line, number + 1, round(size, 1), bold, y_top, y.value, x0))
                pos += length + 2
            pages.append(lines)
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return pages, n_pages


def _body_size(pages: list[list[Line]]) -> float:
    weights: dict[float, int] = {}
    for lines in pages:
        for line in lines:
            weights[line.size] = weights.get(line.size, 0) + len(line.text)
    return max(weights, key=weights.get) if weights else _FALLBACK_BODY_SIZE


def _heading_shaped(text: str) -> bool:
    """Short enough for a heading and not ending like a sentence (``text`` stripped)."""
    return len(text) < 90 and not text.endswith((".", ",", ";"))


def _heading_level(line: Line, body: float) -> int:
    if line.size >= body * 1.35:
        return 1
    if line.size >= body * 1.12:
        return 2
    if line.bold and _heading_shaped(line.text.strip()):
        return 3
    return 0


def paragraphs(pages: list[list[Line]]) -> list[Segment]:
    """Group lines into paragraph and heading segments, dropping running headers/footers."""
    keep = strip_running_lines([[l.text for l in lines] for lines in pages])
    body = _body_size(pages)
    pitches = [
        a.y_bottom - b.y_top
        for lines in pages
        for a, b in zip(lines, lines[1:])
        if a.size == body == b.size and 0 < a.y_bottom - b.y_top < body * 3
    ]
    pitch = statistics.median(pitches) if pitches else body * 1.3
    segments: list[Segment] = []
    for lines, flags in zip(pages, keep):
        current: list[Line] = []
        current_level = 0

        def flush():
            nonlocal current
            if current:
                text = join_lines([l.text for l in current])
                if text:
                    segments.append(
                        Segment(
                            len(segments), text, page=current[0].page,
                            heading=current_level > 0, heading_level=current_level,
                        )
                    )
            current = []

        for line, kept in zip(lines, flags):
            if not kept:
                continue
            level = _heading_level(line, body)
            if current:
                prev = current[-1]
                gap = prev.y_bottom - line.y_top
                # a heading wrapped over two lines has a pitch of its own size, not the body's
                allowed = prev.size * 1.6 if level else pitch * 1.3
                new_paragraph = (
                    level != current_level
                    or (level and line.size != prev.size)
                    or gap > allowed
                    or gap < -pitch  # went back up the page: a new column or block
                    or bool(_BULLET.match(line.text))
                )
                if new_paragraph:
                    flush()
            if not current:
                current_level = level
            current.append(line)
        flush()
    return segments


_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))


def _mostly_letters(text: str) -> bool:
    """At least half the characters are letters; counted one by one only when the ASCII letters (a count
    in C: UTF-8 never uses those bytes for anything else) are not enough."""
    data = text.encode("utf-8", "surrogatepass")
    if (len(data) - len(data.translate(None, _ASCII_LETTERS))) * 2 >= len(text):
        return True
    return sum(map(str.isalpha, text)) * 2 >= len(text)


def read_pdf(path: Path) -> tuple[list[Segment], int]:
    """Paragraph segments with 1-based page numbers, and the page count; ReaderError when unusable."""
    path = Path(path)
    pages, n_pages = read_lines(path)
    chars = "".join(l.text for lines in pages for l in lines)
    visible = "".join(chars.split())  # without whitespace
    if n_pages == 0:
        raise ReaderError(path, "PDF has no pages", "check the file")
    if not visible:
        raise ReaderError(path, "no text layer (scanned or image-only PDF)", "run OCR first, e.g. ocrmypdf")
    if not _mostly_letters(visible) or chars.count("\ufffd") > len(visible) * 0.05:
        raise ReaderError(
            path, "text layer is garbled (mostly non-letters: broken font encoding)", "run OCR on the PDF instead"
        )
    return paragraphs(pages), n_pages


def read(path: Path, interviewer_labels=()) -> Read:
    """The READERS entry point (see formats.py): a PDF's paragraphs and page count."""
    segments, pages = read_pdf(path)
    return Read(segments, pages=pages)
