"""The READERS table: which file suffix is read by which reader module, as what format and kind.

Adding a reader is one module in ``sources/`` with a function
``read(path, interviewer_labels) -> Read`` and one entry here. Reader modules are imported
only when a file of their format is read (a reading worker that meets no DOCX never imports
the DOCX reader).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from ..model import Segment


@dataclass(frozen=True)
class Reader:
    """One readable format: its name (documents.csv 'format'), the kind a file of it is when neither its
    folder nor cases.csv says (plan or interview), and the module whose ``read`` reads it."""

    format: str
    kind: str
    module: str

    def load(self):
        return importlib.import_module(self.module, __package__).read


@dataclass
class Read:
    """What a reader gives back: the segments and, where the format has them, pages and the text encoding."""

    segments: list[Segment] = field(default_factory=list)
    pages: int | None = None
    encoding: str | None = None


#: Suffix (lower case) → reader.
READERS: dict[str, Reader] = {
    ".pdf": Reader("pdf", "plan", ".pdf"),
    ".docx": Reader("docx", "interview", ".docx"),
    ".txt": Reader("txt", "interview", ".text"),
}

#: Document formats a corpus folder often holds that no reader reads: found and reported (file, what is
#: wrong, what to do) rather than passed over in silence.
UNSUPPORTED: dict[str, tuple[str, str]] = {
    ".doc": ("old Word format (.doc)", "open it in Word and save it as .docx"),
    ".docm": ("Word file with macros (.docm)", "save it as a plain .docx"),
    ".dotx": ("Word template (.dotx)", "save it as a .docx document"),
    ".rtf": ("RTF file", "open it in Word and save it as .docx"),
    ".odt": ("OpenDocument text (.odt)", "save it as .docx in Word or LibreOffice"),
    ".pages": ("Apple Pages file", "export it as .docx or PDF"),
}


def supported_names() -> str:
    """The readable formats for a message: 'PDF, DOCX or TXT'."""
    names = [reader.format.upper() for reader in READERS.values()]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]
