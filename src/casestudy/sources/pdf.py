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
from ..text.clean import join_lines, normalize_text, strip_running_lines
from ..errors import ReaderError
from ..limits import check_pages
from .formats import Read

_BULLET = re.compile(r"^\s*(?:[•·▪◦●■\-–*]|\d{1,2}[.)]|[a-z][.)])\s+")
_FALLBACK_BODY_SIZE = 11.0
#: A page with at least this many path objects (ruling lines, cell rectangles) may hold a table: only on
#: such pages are the paths measured for a grid of cells (the page's objects are walked once).
TABLE_PATHS = 4
_RULE = 2.5  # a path thinner than this (points) is a ruling line
_SNAP = 3.0  # edges closer than this (points) are one edge
#: A paragraph that ends without one of these and a next page that starts with a small letter: one paragraph.
_NUMBERED = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+\S")
_OPEN_END = re.compile(r"[^.!?:;»\"')\]]\s*$")


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


@dataclass(slots=True)
class Table:
    """A table on a page: its box (PDF points, y up from the bottom as PDFium has it), its cells' text row
    by row, and one text per row once the header is known (see :func:`label_rows`)."""

    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    cells: list[list[str]]
    rows: list[str] | None = None

    def holds(self, line: Line) -> bool:
        return self.bottom - 2 <= line.y_top <= self.top + 2 and self.x0 - 2 <= line.x <= self.x1 + 2


def read_lines(path: Path, tables: dict[int, list[Table]] | None = None) -> tuple[list[list[Line]], int]:
    """Every text line of every page, with its font size and baseline; returns (pages, page count).
    ``tables``: a dict to which the tables of each page that has any are added."""
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
            if tables is not None:
                paths = _path_objects(page)
                found = page_tables(page, textpage, number + 1, paths) if len(paths) >= TABLE_PATHS else None
                if found:
                    tables[number + 1] = found
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return pages, n_pages


def _path_objects(page) -> list:
    """The path objects (lines, rectangles) a page draws."""
    import pypdfium2.raw as raw

    objects = (raw.FPDFPage_GetObject(page.raw, k) for k in range(raw.FPDFPage_CountObjects(page.raw)))
    return [obj for obj in objects if raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_PATH]


def _cell(text: str | None) -> str:
    """A table cell as running text: its lines joined, its full stops made semicolons so one row stays
    one sentence (a row is read as a unit: «Tiltak: …; Ansvarlig: helsestasjonen»)."""
    joined = join_lines((text or "").replace("\r", "\n").split("\n"))
    return re.sub(r"[.!?]+(\s+|$)", lambda m: "; " if m.group(1) else "", joined).strip(" ;")


def _is_header(cells: list[str]) -> bool:
    return all(cells) and all(len(c) <= 40 and not any(ch.isdigit() for ch in c) for c in cells)


def _edges(page, paths: list) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """The page's ruling as (position, start, end): horizontal edges (y, x0, x1) and vertical edges (x, y0, y1),
    from thin paths (lines) and the sides of rectangles (cells)."""
    import pypdfium2.raw as raw

    horizontal, vertical = [], []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    width, height = page.get_width(), page.get_height()
    for obj in paths:
        if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        l, b, r, t = left.value, bottom.value, right.value, top.value
        if t - b < _RULE and r - l > _RULE:
            horizontal.append(((b + t) / 2, l, r))
        elif r - l < _RULE and t - b > _RULE:
            vertical.append(((l + r) / 2, b, t))
        elif r - l >= _RULE and t - b >= _RULE and not (r - l > width * 0.8 and t - b > height * 0.5):
            # (a rectangle behind most of the page is a background or a frame, not a cell)
            horizontal += [(b, l, r), (t, l, r)]
            vertical += [(l, b, t), (r, b, t)]
    return horizontal, vertical


def _snap(values: list[float]) -> list[float]:
    """Sorted positions with those closer than _SNAP merged (their mean)."""
    groups: list[list[float]] = []
    for value in sorted(values):
        if groups and value - groups[-1][-1] <= _SNAP:
            groups[-1].append(value)
        else:
            groups.append([value])
    return [sum(g) / len(g) for g in groups]


def page_tables(page, textpage, number: int, paths: list) -> list[Table]:
    """The ruled tables of a page, read with PDFium: a table is where vertical edges overlap one another
    from top to bottom; its columns are the distinct x of those edges, its rows the distinct y of the
    horizontal edges inside it, and a cell's text is the text PDFium finds in the cell's rectangle. A grid
    of fewer than two rows or two columns (a box around a paragraph) is no table."""
    horizontal, vertical = _edges(page, paths)
    spans: list[list[float]] = []  # [bottom, top] of each run of overlapping vertical edges
    for _, b, t in sorted(vertical, key=lambda e: e[1]):
        if spans and b <= spans[-1][1] + _SNAP:
            spans[-1][1] = max(spans[-1][1], t)
        else:
            spans.append([b, t])
    tables = []
    for bottom, top in sorted(spans, key=lambda s: -s[1]):
        xs = _snap([x for x, b, t in vertical if b >= bottom - _SNAP and t <= top + _SNAP])
        ys = _snap([y for y, l, r in horizontal if bottom - _SNAP <= y <= top + _SNAP and l <= xs[-1] + _SNAP
                    and r >= xs[0] - _SNAP])
        if len(xs) < 3 or len(ys) < 3:
            continue
        cells = [[_cell(textpage.get_text_bounded(x0, y0, x1, y1)) for x0, x1 in zip(xs, xs[1:])]
                 for y1, y0 in zip(ys[::-1], ys[::-1][1:])]  # rows from the top
        cells = [row for row in cells if any(row)]
        if cells:
            tables.append(Table(number, ys[-1], ys[0], xs[0], xs[-1], cells))
    return tables


def label_rows(tables: dict[int, list[Table]]) -> dict[int, list[Table]]:
    """Each table row as one text that keeps its column headers («Tiltak: COS-P-grupper; Ansvarlig:
    Helsestasjon; Oppstart: 2025»). A first row of short cells without digits is the header; a table at
    the top of the next page with as many columns goes on with it (its repeated header dropped)."""
    header: list[str] | None = None
    previous = None
    for number in sorted(tables):
        for position, table in enumerate(tables[number]):
            rows = table.cells
            first = rows[0]
            continued = (position == 0 and previous == number - 1 and header is not None
                         and len(first) == len(header))
            if _is_header(first) and len(rows) > 1:
                if not (continued and first == header):
                    header = first
                rows = rows[1:]
            elif not continued:
                header = None
            table.rows = [t for t in (
                "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, row) if c) if header
                else "; ".join(c for c in row if c) for row in rows) if t]
        previous = number
    return tables


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


def paragraphs(pages: list[list[Line]], tables: dict[int, list[Table]] | None = None) -> list[Segment]:
    """Group lines into paragraph and heading segments, dropping running headers/footers; the lines
    inside a table are replaced by its rows, one segment each, where the table stands. A paragraph
    that runs over a page break is one segment (on the page where it starts)."""
    tables = tables or {}
    keep = strip_running_lines([[l.text for l in lines] for lines in pages])
    if len(pages) == 1:
        keep = [_without_lone_header(pages[0], keep[0])]
    # the body size of the text proper: a small running header must not make the body look like headings
    body = _body_size([[line for line, kept in zip(lines, flags) if kept] for lines, flags in zip(pages, keep)])
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
        on_page = tables.get(lines[0].page, []) if lines else []
        placed: set[int] = set()

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

        def place(k: int) -> None:
            flush()
            placed.add(k)
            for row in on_page[k].rows or []:
                segments.append(Segment(len(segments), normalize_text(row), page=on_page[k].page))

        for line, kept in zip(lines, flags):
            if not kept:
                continue
            inside = next((k for k, table in enumerate(on_page) if table.holds(line)), None)
            if inside is not None:
                if inside not in placed:
                    place(inside)
                continue
            level = _heading_level(line, body)
            if current:
                prev = current[-1]
                gap = prev.y_bottom - line.y_top
                # a heading wrapped over two lines has a pitch of its own size, not the body's; its second
                # line goes on from a first that does not end a sentence and is not a numbered heading
                wrapped = (level and not _NUMBERED.match(line.text) and not prev.text.rstrip().endswith((".", ":")))
                allowed = prev.size * (2.2 if wrapped else 1.6) if level else pitch * 1.3
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
        for k in range(len(on_page)):
            if k not in placed:
                place(k)
    return _join_page_breaks(segments)


def _join_page_breaks(segments: list[Segment]) -> list[Segment]:
    """Join a paragraph cut by a page break: the last body paragraph of a page ends without a full
    stop and the first one on the next page starts with a small letter."""
    out: list[Segment] = []
    for segment in segments:
        last = out[-1] if out else None
        if (last is not None and not last.heading and not segment.heading and last.page is not None
                and segment.page == last.page + 1 and segment.text[:1].islower() and _OPEN_END.search(last.text)
                and not _BULLET.match(segment.text)):
            out[-1] = Segment(last.index, join_lines([last.text, segment.text]), page=last.page)
            continue
        out.append(Segment(len(out), segment.text, page=segment.page, heading=segment.heading,
                           heading_level=segment.heading_level) if segment.index != len(out) else segment)
    return out


def _without_lone_header(lines: list[Line], keep: list[bool]) -> list[bool]:
    """A one-page PDF has no repetition to find its running header by: drop a first line in a smaller
    type than the rest of the page (and a last one likewise) when a larger line follows (precedes) it."""
    keep = list(keep)
    if len(lines) < 3:
        return keep
    sizes = sorted(l.size for l in lines)
    median = sizes[len(sizes) // 2]
    if lines[0].size < median * 0.95 and lines[1].size >= median:
        keep[0] = False
    if lines[-1].size < median * 0.95 and lines[-2].size >= median:
        keep[-1] = False
    return keep


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
    tables: dict[int, list[Table]] = {}
    pages, n_pages = read_lines(path, tables)
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
    return paragraphs(pages, label_rows(tables)), n_pages


def read(path: Path, interviewer_labels=()) -> Read:
    """The READERS entry point (see formats.py): a PDF's paragraphs and page count."""
    segments, pages = read_pdf(path)
    return Read(segments, pages=pages)
