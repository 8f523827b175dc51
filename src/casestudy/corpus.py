"""Documents, segments and corpus folders: the units every result row points back to."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from .errors import CasestudyError

#: File types the readers understand, by suffix.
SUPPORTED_SUFFIXES = (".pdf", ".docx", ".txt")

#: Columns of cases.csv with a meaning of their own; any other column is kept as an attribute.
CASE_COLUMNS = ("file", "case", "kind", "role", "region", "size_class", "pseudonym")


@dataclass(frozen=True, slots=True)
class Segment:
    """One located piece of text: a PDF paragraph (with page) or a transcript paragraph (with turn)."""

    index: int
    text: str
    page: int | None = None
    turn: int | None = None
    speaker: str | None = None
    role: str | None = None
    interviewer: bool = False
    heading: bool = False
    heading_level: int = 0


@dataclass(slots=True)
class Document:
    """One source file with its case, kind, attributes and ordered segments."""

    id: str
    path: Path
    kind: str
    case: str
    segments: list[Segment] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    pages: int | None = None
    sha256: str = ""
    format: str = ""
    encoding: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.segments)

    def attribute(self, name: str):
        """The value of a grouping attribute: a field (case, kind, document) or a cases.csv column."""
        if name in ("case", "kind"):
            return getattr(self, name)
        if name == "document":
            return self.id
        return self.attributes.get(name)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that a corpus run could not use, with a one-line reason."""

    document: str
    reason: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_files(root: Path) -> list[Path]:
    """Source files below ``root`` in a stable order; hidden folders and cases.csv are passed over."""
    root = Path(root)
    if root.is_file():
        return [root]
    found = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") for p in parts):
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES and not path.is_dir():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def document_id(path: Path, root: Path) -> str:
    """The document id: the path relative to the corpus folder, with forward slashes."""
    root = Path(root)
    if root.is_file():
        return path.name
    return PurePosixPath(*path.relative_to(root).parts).as_posix()


_KIND_FOLDERS = {
    "plan": "plan", "plans": "plan", "planer": "plan", "plandokumenter": "plan",
    "interview": "interview", "interviews": "interview", "intervju": "interview",
    "intervjuer": "interview", "transcripts": "interview", "transkripsjoner": "interview",
}


def infer_kind(doc_id: str) -> str:
    """Kind from the folder (plans/, interviews/), else from the suffix: PDF → plan, DOCX/TXT → interview."""
    for part in reversed(PurePosixPath(doc_id).parts[:-1]):
        kind = _KIND_FOLDERS.get(part.lower())
        if kind:
            return kind
    return "plan" if doc_id.lower().endswith(".pdf") else "interview"


def case_from_name(doc_id: str) -> str:
    """Case for a file not in cases.csv: its name up to the first underscore ('fjordvik_leder.docx' → 'fjordvik')."""
    stem = PurePosixPath(doc_id).stem
    return stem.split("_", 1)[0].strip() or stem


@dataclass
class CaseTable:
    """The rows of cases.csv keyed by file (relative path), plus what was odd about it."""

    rows: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None

    def lookup(self, doc_id: str) -> dict | None:
        row = self.rows.get(doc_id)
        if row is None:  # allow a bare file name in cases.csv
            row = self.rows.get(PurePosixPath(doc_id).name)
        return row


def read_cases(path: Path | None) -> CaseTable:
    """Read cases.csv (file, case, kind, role, region, size_class, …); a missing file gives an empty table."""
    table = CaseTable(path=path)
    if path is None or not Path(path).exists():
        return table
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
        table.warnings.append(f"{path}: not UTF-8, read as cp1252 (save it as UTF-8 to be sure)")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames or "file" not in [f.strip().lower() for f in reader.fieldnames]:
        raise CasestudyError(f"{path}: cases.csv needs a 'file' column (found: {', '.join(reader.fieldnames or [])})")
    for lineno, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        name = row.get("file", "").replace("\\", "/")
        if not name:
            table.warnings.append(f"{path}, line {lineno}: empty 'file' value, row ignored")
            continue
        if name in table.rows:
            table.warnings.append(f"{path}, line {lineno}: duplicate row for {name}; the first one is used")
            continue
        table.rows[name] = row
    return table


def apply_case_row(doc: Document, row: dict | None) -> Document:
    """Set case, kind, role and attributes from a cases.csv row; a pseudonym replaces the case name."""
    if not row:
        return doc
    attributes = {k: v for k, v in row.items() if k not in ("file", "case", "kind", "pseudonym") and v != ""}
    doc.attributes.update(attributes)
    if row.get("kind"):
        doc.kind = row["kind"]
    if row.get("pseudonym"):
        doc.case = row["pseudonym"]
    elif row.get("case"):
        doc.case = row["case"]
    role = row.get("role")
    if role:
        doc.segments = [
            replace(s, role=role) if (s.role is None and not s.interviewer) else s for s in doc.segments
        ]
    return doc


_SLUG = re.compile(r"[^0-9A-Za-zÆØÅæøå]+")


def slug(value: str) -> str:
    """A file-name-safe form of a group name ('Kommune 1' → 'Kommune_1')."""
    return _SLUG.sub("_", str(value)).strip("_") or "group"
