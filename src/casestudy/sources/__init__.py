"""Sources: reading one file into a Document (``read``), by the READERS table of formats.py; finding the
files of a corpus folder and its cases.csv is folder.py."""

from __future__ import annotations

from pathlib import Path

from ..errors import ReaderError
from ..limits import check_text
from ..model import Document
from ..text.nb import DEFAULT_INTERVIEWER_LABELS
from .folder import case_from_name, document_id, file_sha256, infer_kind
from .formats import READERS, UNSUPPORTED, Read, Reader, supported_names


def open_error(path, exc: OSError) -> ReaderError:
    """The one-line reason for a file that cannot be opened (unreadable, missing, a broken link)."""
    if isinstance(exc, PermissionError):
        return ReaderError(path, "permission denied", "make the file readable")
    return ReaderError(path, f"cannot open ({exc.strerror})", "check the path or link")


def read(path, root=None, *, interviewer_labels=DEFAULT_INTERVIEWER_LABELS, sha256: str | None = None) -> Document:
    """Read one source file into a Document; raises ReaderError with a one-line reason."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    doc_id = document_id(path, root)
    suffix = path.suffix.lower()
    try:
        digest = sha256 or file_sha256(path)
    except OSError as exc:
        raise open_error(path, exc) from None
    reader = READERS.get(suffix)
    if reader is None:
        problem, hint = UNSUPPORTED.get(suffix, (f"unsupported file type '{suffix}'", f"use {supported_names()}"))
        raise ReaderError(path, problem, hint)
    if reader.format == "txt":  # plain text is read whole: its size in bytes bounds its characters
        check_text(path, path.stat().st_size)
    doc = Document(id=doc_id, path=path, kind=infer_kind(doc_id), case=case_from_name(doc_id), sha256=digest)
    # a plan has no speakers: «Ansvar: helsestasjonen» is a label of the plan's own, not a turn
    found = reader.load()(path, None if doc.kind == "plan" else interviewer_labels)
    check_text(path, sum(len(segment.text) for segment in found.segments))
    doc.segments, doc.pages, doc.encoding, doc.format = found.segments, found.pages, found.encoding, reader.format
    if not doc.segments:
        if doc.format == "pdf":
            raise ReaderError(path, "no text found", "check that the file has text (not only images)")
        raise ReaderError(path, "no text (the document is empty)", "replace it with the transcript")
    return doc


__all__ = ["READERS", "open_error", "UNSUPPORTED", "DEFAULT_INTERVIEWER_LABELS", "Read", "Reader", "ReaderError", "read",
           "supported_names"]
