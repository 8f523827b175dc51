"""Readers: one module per format; ``read(path)`` picks by suffix and returns a Document."""

from __future__ import annotations

from pathlib import Path

from ..corpus import Document, case_from_name, document_id, file_sha256, infer_kind
from ..errors import ReaderError
from .turns import DEFAULT_INTERVIEWER_LABELS


def read(path, root=None, *, interviewer_labels=DEFAULT_INTERVIEWER_LABELS, sha256: str | None = None) -> Document:
    """Read one source file into a Document; raises ReaderError with a one-line reason."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    doc_id = document_id(path, root)
    suffix = path.suffix.lower()
    try:
        digest = sha256 or file_sha256(path)
    except PermissionError:
        raise ReaderError(path, "permission denied", "make the file readable (chmod +r)") from None
    except OSError as exc:
        raise ReaderError(path, f"cannot open ({exc.strerror})", "check the path") from None
    doc = Document(id=doc_id, path=path, kind=infer_kind(doc_id), case=case_from_name(doc_id), sha256=digest)
    if suffix == ".pdf":
        from .pdf import read_pdf

        doc.segments, doc.pages = read_pdf(path)
        doc.format = "pdf"
    elif suffix == ".docx":
        from .docx import read_docx

        doc.segments = read_docx(path, interviewer_labels)
        doc.format = "docx"
    elif suffix == ".txt":
        from .text import read_text

        doc.segments, doc.encoding = read_text(path, interviewer_labels)
        doc.format = "txt"
    else:
        problem, hint = _UNSUPPORTED.get(suffix, (f"unsupported file type '{suffix}'", "use PDF, DOCX or TXT"))
        raise ReaderError(path, problem, hint)
    if not doc.segments:
        if doc.format == "pdf":
            raise ReaderError(path, "no text found", "check that the file has text (not only images)")
        raise ReaderError(path, "no text (the document is empty)", "replace it with the transcript")
    return doc


#: Document formats a corpus folder often holds that the readers do not read, with what to do.
_UNSUPPORTED = {
    ".doc": ("old Word format (.doc)", "open it in Word and save it as .docx"),
    ".docm": ("Word file with macros (.docm)", "save it as a plain .docx"),
    ".dotx": ("Word template (.dotx)", "save it as a .docx document"),
    ".rtf": ("RTF file", "open it in Word and save it as .docx"),
    ".odt": ("OpenDocument text (.odt)", "save it as .docx in Word or LibreOffice"),
    ".pages": ("Apple Pages file", "export it as .docx or PDF"),
}


__all__ = ["read", "ReaderError", "DEFAULT_INTERVIEWER_LABELS"]
