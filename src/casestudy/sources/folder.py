"""Corpus folders: finding the source files, naming them (document ids), their kind and case, and cases.csv."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ..errors import CasestudyError
from ..model import Document
from ..text.nb import KIND_FOLDERS, KIND_VALUES
from .formats import READERS, UNSUPPORTED


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()



def _listed(name: str) -> bool:
    """A file name find_files returns: a source or reported format, not hidden, not a Word lock file (~$…)."""
    if name.startswith((".", "~$")):
        return False
    suffix = PurePosixPath(name).suffix.lower()
    return suffix in READERS or suffix in UNSUPPORTED


# Where a corpus argument may not lead once its links are resolved: the file system's root, its system
# folders and the user's home folder. Each holds far more than a corpus, and a link to one
# (`corpus -> /`) would read the machine; a corpus folder anywhere below them is fine.
SYSTEM_FOLDERS = frozenset({"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media",
                            "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
                            "/var", "/Users", "/System", "/Library", "/Applications", "/Volumes", "/private"})


def refused_root(root: Path) -> str | None:
    """Why ``root`` cannot be a corpus folder (a system or home folder, links resolved), or None when it can."""
    real = Path(os.path.realpath(root))
    if real.as_posix() in SYSTEM_FOLDERS or real == Path(real.anchor):
        return f"{root}: resolves to {real.as_posix()}, a system folder, not a corpus folder"
    try:
        home = Path(os.path.realpath(Path.home()))
    except (KeyError, RuntimeError):
        home = None
    if real == home:
        return f"{root}: resolves to the home folder, not a corpus folder"
    return None


def _inside(path: Path, real_root: Path) -> bool:
    """Whether the real location of ``path`` (links resolved) is in the corpus folder ``real_root``."""
    real = Path(os.path.realpath(path))
    return real == real_root or real.is_relative_to(real_root)


OUTSIDE_LINK = "a link to {what} outside the corpus folder: not read (give --follow-links to read it)"


def find_files(root: Path, problems: list | None = None, exclude=(), *, follow_links: bool = False) -> list[Path]:
    """Source files below ``root`` in a stable order; hidden folders, Word lock files (~$…) and cases.csv
    are passed over.

    Links inside the corpus are followed: a linked file is read under its link's name, a linked folder
    is walked unless it is (or contains) a folder already walked, so a link loop ends and no file is
    found twice through a folder link. A link whose target lies outside the corpus folder is followed
    only with ``follow_links``; otherwise it is reported in ``problems``, so a link to ``/`` or to
    another project cannot pull their files into the run. A broken link is returned, so the reader
    reports it; a FIFO, socket or device is reported, never opened. Old formats (.doc, .rtf, .odt, …)
    are returned too, so the reader reports them instead of passing over them in silence. Folders
    that cannot be listed are appended to ``problems`` as (relative path, reason) when a list is
    given. Folders in ``exclude`` (a run's output folder and cache inside the corpus) are never
    walked: a run does not read its own outputs. A ``root`` that resolves to a system or home
    folder (see :func:`refused_root`) is an error.
    """
    root = Path(root)
    refused = refused_root(root)
    if refused:
        raise CasestudyError(refused + "; give the folder that holds plans/ and interviews/")
    if root.is_file():
        return [root]
    real_root = Path(os.path.realpath(root))
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    for folder in exclude:  # marked as walked: never entered
        try:
            info = Path(folder).stat()
            seen.add((info.st_dev, info.st_ino))
        except OSError:
            pass
    pending = [root]

    def report(path: Path, reason: str, folder: bool = False):
        if problems is not None:
            problems.append((path.relative_to(root).as_posix() + ("/" if folder else ""), reason))

    def note(folder: Path, exc: OSError):
        report(folder, "folder not readable (permission denied): make it readable (chmod +rx)"
               if isinstance(exc, PermissionError) else f"folder not readable ({exc.strerror})", True)

    while pending:
        top = pending.pop(0)
        try:
            info = top.stat()
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if key in seen:
            continue
        seen.add(key)
        links: list[Path] = []
        for folder, dirnames, filenames in os.walk(top, onerror=lambda exc: note(Path(exc.filename), exc)):
            base = Path(folder)
            keep = []
            for name in sorted(dirnames):
                if name.startswith("."):
                    continue
                if (base / name).is_symlink():
                    links.append(base / name)  # walked after every real folder, so it never shadows one
                else:
                    try:
                        sub = (base / name).stat()
                    except OSError:
                        keep.append(name)
                        continue
                    if (sub.st_dev, sub.st_ino) in seen:
                        continue  # an excluded folder (or one walked already)
                    keep.append(name)
                    seen.add((sub.st_dev, sub.st_ino))
            dirnames[:] = keep
            for name in filenames:
                if not _listed(name):
                    continue
                path = base / name
                try:
                    mode = path.stat().st_mode
                except OSError:
                    found.append(path)  # a broken link or an unreadable entry: the reader says which
                    continue
                if stat.S_ISDIR(mode):
                    continue
                if not stat.S_ISREG(mode):
                    report(path, "not a regular file (a FIFO, socket or device): not read")
                elif path.is_symlink() and not follow_links and not _inside(path, real_root):
                    report(path, OUTSIDE_LINK.format(what="a file"))
                else:
                    found.append(path)
        for link in links:
            try:
                target = link.resolve(strict=True)
            except (OSError, RuntimeError):
                continue  # a broken or looping folder link holds no files
            if not target.is_dir():
                continue
            # A link to a folder that holds the corpus (or is in it) is a loop or a second path to files.
            if real_root == target or real_root.is_relative_to(target) or target.is_relative_to(real_root):
                continue
            if not follow_links:
                report(link, OUTSIDE_LINK.format(what="a folder"), True)
                continue
            pending.append(link)
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda p: p.relative_to(root).as_posix())


def document_id(path: Path, root: Path) -> str:
    """The document id: the path relative to the corpus folder, with forward slashes. Bytes of a file
    name that are not UTF-8 are written as ``\\xNN`` (the file is still read), so every output can hold the id."""
    root = Path(root)
    name = path.name if root.is_file() else PurePosixPath(*path.relative_to(root).parts).as_posix()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # Python holds such bytes as lone surrogates, which no UTF-8 file can
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def infer_kind(doc_id: str) -> str:
    """Kind from the folder (plans/, interviews/), else from the format (READERS: PDF → plan, DOCX/TXT →
    interview)."""
    for part in reversed(PurePosixPath(doc_id).parts[:-1]):
        kind = KIND_FOLDERS.get(part.lower())
        if kind:
            return kind
    reader = READERS.get(PurePosixPath(doc_id).suffix.lower())
    return reader.kind if reader else "interview"


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
    #: The run's pseudonyms (sources.pseudonyms.Pseudonyms) when it pseudonymises, for the reading workers.
    pseudonyms: object = None

    @property
    def gives_pseudonyms(self) -> bool:
        """True when a row has a pseudonym: then a run pseudonymises unless told not to."""
        return any(row.get("pseudonym") for row in self.rows.values())

    def lookup(self, doc_id: str) -> dict | None:
        """The row of a document: by its path, else its bare file name; each as written, else after NFC
        normalisation and case folding (macOS writes «å» decomposed, cases.csv holds it composed)."""
        row = self.rows.get(doc_id)
        if row is None:  # allow a bare file name in cases.csv
            row = self.rows.get(PurePosixPath(doc_id).name)
        if row is None and self.rows:
            folded = {_folded_name(name): row for name, row in reversed(self.rows.items())}
            row = folded.get(_folded_name(doc_id)) or folded.get(_folded_name(PurePosixPath(doc_id).name))
        return row

    def listed(self, doc_id: str) -> str | None:
        """The cases.csv name a document's row is listed under, or None."""
        row = self.lookup(doc_id)
        return None if row is None else row["file"]


def _folded_name(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def decode_table(raw: bytes, name) -> tuple[str, list[str]]:
    """The text of a CSV file a user saved: UTF-8 (with or without BOM), else cp1252 as Excel on Windows
    writes it, with a warning naming the file."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), [f"{name}: not UTF-8, read as cp1252 (save it as UTF-8 to be sure)"]


def read_cases(path: Path | None) -> CaseTable:
    """Read cases.csv (file, case, kind, role, region, size_class, …); a missing file gives an empty table.

    Odd rows are warnings, never errors: a duplicate row (the first one is used), a row without
    a file name, a short row (its missing values are empty), an unknown kind. Only a table
    without a 'file' column is an error, since none of its rows could be used.
    """
    table = CaseTable(path=path)
    if path is None or not Path(path).exists():
        return table
    name_of_table = Path(path).name
    text, warnings = decode_table(Path(path).read_bytes(), name_of_table)
    table.warnings += warnings
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CasestudyError(f"{path}: cases.csv cannot be read as CSV ({exc})") from None
    if not fieldnames or "file" not in [(f or "").strip().lower() for f in fieldnames]:
        raise CasestudyError(f"{path}: cases.csv needs a 'file' column (found: {', '.join(fieldnames or [])})")
    rows = iter(reader)
    lineno = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            table.warnings.append(f"{name_of_table}, line {reader.line_num}: not valid CSV ({exc}); the rest of "
                                  "the file is ignored")
            break
        lineno = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()
               if k is not None and isinstance(v, (str, type(None)))}
        name = unicodedata.normalize("NFC", row.get("file", "").replace("\\", "/"))
        while name.startswith("./"):
            name = name[2:]
        if not name:
            if any(row.values()):
                table.warnings.append(f"{name_of_table}, line {lineno}: empty 'file' value, row ignored")
            continue
        if name in table.rows:
            same = "an identical" if table.rows[name] == dict(row, file=name) else "a different"
            table.warnings.append(f"{name_of_table}, line {lineno}: {same} second row for {name}; the first one "
                                  "is used")
            continue
        kind = row.get("kind", "")
        if kind:
            row["kind"] = KIND_VALUES.get(kind.lower(), kind)
            if kind.lower() not in KIND_VALUES:
                table.warnings.append(f"{name_of_table}, line {lineno}: kind '{kind}' for {name} is neither plan "
                                      "nor interview; it is kept as written")
        row["file"] = name
        table.rows[name] = row
    return table


def apply_case_row(doc: Document, row: dict | None) -> Document:
    """Set case, kind, role and attributes from a cases.csv row. The case is the real one: in a pseudonymised
    run sources.pseudonyms replaces it (and every other name) next; in a run told not to, it stays."""
    if not row:
        return doc
    attributes = {k: v for k, v in row.items() if k not in ("file", "case", "kind", "pseudonym", "names") and v != ""}
    doc.attributes.update(attributes)
    if row.get("kind"):
        doc.kind = row["kind"]
    if row.get("case"):
        doc.case = row["case"]
    role = row.get("role")
    if role:
        doc.segments = [
            replace(s, role=role) if (s.role is None and not s.interviewer) else s for s in doc.segments
        ]
    return doc


