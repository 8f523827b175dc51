"""Output: files a user reads or hands on. ``files.py`` writes tables atomically (CSV, JSON, PNG),
``appendix.py`` the report appendix (XLSX, DOCX, Markdown), ``figures.py`` word clouds, ``exchange/``
the REFI-QDA project and codebook for NVivo, ATLAS.ti, MAXQDA and QualCoder.

The EXPORTS table lists the formats of ``casestudy export``: what each is made from ('tables': the
appendix tables; 'coding': the corpus, its coded frame and the codebook; 'codebook': the codebook
alone) and the function that writes it. Adding a format is one writer plus one entry here.
Output never imports the analyses or the reading engine: it is given frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Export:
    """One export format: ``source`` is what its writer takes, ``write`` the writer (imported on use)."""

    source: str
    module: str
    function: str

    @property
    def write(self) -> Callable:
        import importlib

        return getattr(importlib.import_module(self.module, __package__), self.function)


EXPORTS: dict[str, Export] = {
    "xlsx": Export("tables", ".appendix", "write_xlsx"),
    "docx": Export("tables", ".appendix", "write_docx"),
    "md": Export("tables", ".appendix", "write_markdown"),
    "qdpx": Export("coding", ".exchange", "export_qdpx"),
    "qdc": Export("codebook", ".exchange", "export_qdc"),
}
