"""DOCX reader: body paragraphs, table cells and text boxes, in document order.

Transcripts delivered as a two-column table (speaker | utterance, optionally with a
time-stamp column) are read as turns: ``Informant (leder) | Vi har …`` becomes the turn
``Informant (leder): Vi har …``. A file that is not a usable DOCX gets a reason that
says what it really is (a PDF, an old .doc, a password-protected file, a plain ZIP, …).

The package is opened here, not with python-docx: only the main document part is
parsed (with python-docx's parser settings), so the other parts cost no time and a damaged
part that holds no text (styles, numbering, …) does not cost the transcript.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path

from ..text.clean import normalize_text
from ..errors import ReaderError
from ..limits import read_zip_member
from ..text.nb import DEFAULT_INTERVIEWER_LABELS
from .turns import match_label, segments_from_paragraphs
from .formats import Read

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _T = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}t"
_TXBX = f"{_W}txbxContent"
_SPACE_TAGS = {f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}ptab"}
#: Subtrees whose text is not part of the document's current text (or is read elsewhere).
_SKIP = {_MC_FALLBACK, f"{_W}del", f"{_W}moveFrom", f"{_W}rPr", f"{_W}pPr", f"{_W}sectPr", f"{_W}tblPr",
         f"{_W}tcPr", f"{_W}trPr", f"{_W}tblGrid"}
_TIME = re.compile(r"^\[?\(?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\)?\]?$")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_WORD_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_HINT = "open it in Word and save it as .docx"


def _paragraph_text(p) -> str:
    """Text of one w:p from its own runs, skipping text boxes inside it (they are read on their own)."""
    parts: list[str] = []

    def walk(node):
        for child in node:
            tag = child.tag
            if tag == _T:
                parts.append(child.text or "")
            elif tag in _SPACE_TAGS:
                parts.append(" ")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag == f"{_W}softHyphen":
                parts.append("\u00ad")
            elif tag in _SKIP or tag == _TXBX or tag == _P:
                continue
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _inside(node, tag: str, stop: str):
    """The ``tag`` elements below ``node``, not looking inside skipped parts (such as the VML fallback
    copy of a text box), inside a ``stop`` element, or inside a found one."""
    for child in node:
        if child.tag == tag:
            yield child
        elif child.tag not in _SKIP and child.tag != stop:
            yield from _inside(child, tag, stop)


def _blocks(node, labels):
    """Paragraph texts below ``node`` in document order: paragraphs, their text boxes, tables."""
    for child in node:
        tag = child.tag
        if tag == _P:
            yield _paragraph_text(child)
            for box in _inside(child, _TXBX, stop=_P):  # the text boxes anchored in this paragraph
                yield from _blocks(box, labels)
        elif tag == _TBL:
            yield from _table(child, labels)
        elif tag in _SKIP:
            continue
        else:  # w:sdt, w:sdtContent, w:customXml, w:ins, …
            yield from _blocks(child, labels)


def _speaker_row(cells: list[list[str]]):
    """(time stamp or '', label, paragraphs) when a table row is one speaker turn, else None."""
    filled = [[t for t in cell if normalize_text(t)] for cell in cells]
    filled = [cell for cell in filled if cell]
    stamp = ""
    if len(filled) == 3 and len(filled[0]) == 1 and _TIME.match(filled[0][0].strip()):
        stamp = filled[0][0].strip()
        filled = filled[1:]
    if len(filled) != 2 or len(filled[0]) != 1:
        return None
    label = filled[0][0].strip().rstrip(":").strip()
    if not label or ":" in label:
        return None
    found = match_label(f"{label}: x")
    if found is None or found[2] != "x":
        return None
    return stamp, label, filled[1]


def _table(tbl, labels):
    """A table's paragraphs; a speaker | utterance table gives one labelled paragraph per row."""
    rows = [[list(_blocks(tc, labels)) for tc in _inside(tr, _TC, stop=_TBL)] for tr in _inside(tbl, _TR, stop=_TBL)]
    turns = [_speaker_row(cells) for cells in rows]
    speakers = [t[1] for t in turns if t]
    names = [match_label(f"{s}: x")[0].lower() for s in speakers]
    is_transcript = len(speakers) >= 2 and len(speakers) * 2 >= len(rows) and (
        len(set(speakers)) < len(speakers) or any(n in labels for n in names))
    for cells, turn in zip(rows, turns):
        if is_transcript and turn:
            stamp, label, paragraphs = turn
            yield f"{stamp} {label}: {paragraphs[0]}".strip()
            yield from paragraphs[1:]
        else:
            for cell in cells:
                yield from cell


def _identify(path: Path, head: bytes) -> ReaderError | None:
    """A reason when the bytes are clearly not a DOCX package (checked before the package is opened)."""
    if head.startswith(b"%PDF"):
        return ReaderError(path, "a PDF with a .docx name", "rename it to .pdf")
    if head.startswith(_OLE):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            return ReaderError(path, "password-protected Word file",
                               "remove the password in Word (File > Info > Protect Document) and save again")
        return ReaderError(path, "an old Word .doc file with a .docx name", _HINT)
    if head.startswith(b"{\\rtf"):
        return ReaderError(path, "an RTF file with a .docx name", _HINT)
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK"):
            return ReaderError(path, "damaged DOCX (the ZIP container is truncated or corrupt)",
                               "get a new copy of the file, or let Word repair it and save again")
        return ReaderError(path, "not a Word document (not a DOCX package)", _HINT)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as stream:  # its first bytes: whatever its size
                    mimetype = stream.read(100)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return ReaderError(path, "damaged DOCX (the ZIP container is corrupt)",
                           "get a new copy of the file, or let Word repair it and save again")
    if b"opendocument.text" in mimetype:
        return ReaderError(path, "an OpenDocument text (.odt) with a .docx name",
                           "save it as .docx in Word or LibreOffice")
    if "[Content_Types].xml" not in names:
        if any(n.startswith("xl/") for n in names):
            return ReaderError(path, "an Excel workbook with a .docx name", "export the transcript as .docx or .txt")
        return ReaderError(path, "a ZIP archive, not a Word document (no [Content_Types].xml)",
                           "unpack it and put the documents inside in the corpus")
    return None


def _parse(data: bytes):
    from lxml import etree

    return etree.fromstring(data, etree.XMLParser(remove_blank_text=True, resolve_entities=False))


def _part(archive: zipfile.ZipFile, member: str, path: Path) -> bytes:
    """A package part's bytes within the ZIP limits (limits.py): a bomb is refused before it inflates."""
    return read_zip_member(archive, archive.getinfo(member), path)


def _main_part(archive: zipfile.ZipFile, path: Path) -> tuple[str, str]:
    """(member name, content type) of the package's main document part, as python-docx finds it: the
    package relationship of type officeDocument, its content type from [Content_Types].xml."""
    target = next((r.get("Target") for r in _parse(_part(archive, "_rels/.rels", path)).iter(_RELATIONSHIP)
                   if r.get("Type") == _OFFICE_DOCUMENT and r.get("TargetMode") != "External"), None)
    if not target:
        raise KeyError("no officeDocument relationship")
    partname = posixpath.abspath(posixpath.join("/", target))
    types = _parse(_part(archive, "[Content_Types].xml", path))
    overrides = {o.get("PartName", "").lower(): o.get("ContentType") for o in types.iter(f"{_CONTENT_TYPES}Override")}
    defaults = {d.get("Extension", "").lower(): d.get("ContentType") for d in types.iter(f"{_CONTENT_TYPES}Default")}
    content_type = overrides.get(partname.lower()) or defaults.get(posixpath.splitext(partname)[1][1:].lower())
    return partname[1:], content_type or ""


def _document_body(path: Path):
    """The w:body element of the main document part; ReaderError when there is none to read."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            member, content_type = _main_part(archive, path)
            if content_type != _WORD_DOCUMENT:
                raise ReaderError(path, f"not a Word document (content type {content_type or 'unknown'})", _HINT)
            root = _parse(_part(archive, member, path))
    except etree.XMLSyntaxError as exc:
        if exc.code == 2:  # XML_ERR_NO_MEMORY: libxml2 ran out of memory (the worker's limit), not broken XML
            raise MemoryError(f"{path}: the document XML needs more memory than allowed") from None
        raise ReaderError(path, "damaged DOCX (broken XML inside)",
                          "let Word repair it (File > Open > Open and Repair) and save again") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error):
        raise ReaderError(path, "damaged DOCX (the ZIP container is corrupt)",
                          "get a new copy of the file, or let Word repair it and save again") from None
    except KeyError:
        raise ReaderError(path, "damaged DOCX (the main document part is missing)",
                          "let Word repair it (File > Open > Open and Repair) and save again") from None
    except ReaderError:
        raise
    except Exception as exc:  # a broken package can fail in ways zipfile and lxml do not name
        raise ReaderError(path, f"not a readable DOCX ({type(exc).__name__})", _HINT) from None
    body = root.find(f"{_W}body")
    if body is None:
        raise ReaderError(path, "damaged DOCX (the document has no body)",
                          "let Word repair it (File > Open > Open and Repair) and save again")
    return body


def read_docx(path: Path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS):
    """Segments (turns) of a Word transcript; ReaderError when the file is not a usable DOCX."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise ReaderError(path, "empty file (0 bytes)", "replace it with the real document")
    with open(path, "rb") as handle:
        head = handle.read(8)
    problem = _identify(path, head)
    if problem is not None:
        raise problem
    body = _document_body(path)
    labels = {label.lower() for label in interviewer_labels or ()}
    texts = [t for t in _blocks(body, labels) if t.strip()]
    return segments_from_paragraphs(texts, interviewer_labels)


def read(path: Path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS) -> Read:
    """The READERS entry point (see formats.py): a Word transcript's turns."""
    return Read(read_docx(path, interviewer_labels))
