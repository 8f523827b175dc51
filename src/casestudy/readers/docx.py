"""DOCX reader (python-docx): body paragraphs, table cells and text boxes, in document order."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import ReaderError
from .turns import DEFAULT_INTERVIEWER_LABELS, segments_from_paragraphs

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _paragraph_text(p) -> str:
    """Text of one w:p from its own runs (not nested text boxes), with tabs and breaks as spaces."""
    parts = []
    for node in p.iter():
        if node.tag == f"{_W}p" and node is not p:
            break  # a nested paragraph (text box) is read on its own
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
            parts.append(" ")
    return "".join(parts)


def _paragraphs(body):
    for p in body.iter(f"{_W}p"):
        ancestor = p.getparent()
        skip = False
        while ancestor is not None:
            if ancestor.tag == _MC_FALLBACK:  # the VML copy of a text box
                skip = True
                break
            ancestor = ancestor.getparent()
        if not skip:
            yield _paragraph_text(p)


def read_docx(path: Path, interviewer_labels=DEFAULT_INTERVIEWER_LABELS):
    """Segments (turns) of a Word transcript; ReaderError when the file is not a usable DOCX."""
    import docx

    path = Path(path)
    if path.stat().st_size == 0:
        raise ReaderError(path, "empty file (0 bytes)", "replace it with the real document")
    with open(path, "rb") as handle:
        head = handle.read(5)
    if head.startswith(b"%PDF"):
        raise ReaderError(path, "a PDF with a .docx name", "rename it to .pdf")
    if not zipfile.is_zipfile(path):
        raise ReaderError(path, "not a Word document (not a DOCX zip)", "open it in Word and save as .docx")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for broken packages
        kind = type(exc).__name__
        raise ReaderError(
            path, f"not a readable DOCX ({kind})", "open it in Word and save as .docx (a .doc must be converted)"
        ) from None
    texts = [t for t in _paragraphs(document.element.body) if t.strip()]
    return segments_from_paragraphs(texts, interviewer_labels)
