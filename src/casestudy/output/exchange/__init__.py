"""REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx) for NVivo, ATLAS.ti, MAXQDA and QualCoder."""

from ._common import CODEBOOK_NS, PROJECT_NS
from .qdc import export_qdc, import_qdc
from .qdpx import CODING_COLUMNS, export_qdpx, import_qdpx

__all__ = ["CODEBOOK_NS", "CODING_COLUMNS", "PROJECT_NS", "export_qdc", "export_qdpx", "import_qdc", "import_qdpx"]
