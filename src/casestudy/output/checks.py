"""Checks made before any work, so that what would fail late fails first, in one line: an output folder
that cannot be written (under a file, read-only, a full disk), a workbook that carries a DTD; and the one
line an operating-system error becomes when it happens all the same."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ..errors import CasestudyError

#: Free space an output folder needs before a run starts (the demo's outputs take ≈ 6 MB; a national run's
#: ≈ 150 MB): below it the run stops before reading the corpus.
MIN_FREE_MB = 64


def check_output_folder(out: str | Path, *, min_free_mb: float | None = None) -> None:
    """Stop, before any reading, when ``out`` cannot take a run's outputs: a file stands where it or one of
    its parent folders should be, the folder (or the nearest one that exists) cannot be written, or its
    disk has less than ``min_free_mb`` free (default MIN_FREE_MB). Creates nothing."""
    out = Path(out)
    min_free_mb = MIN_FREE_MB if min_free_mb is None else min_free_mb
    existing = out
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a broken link where a folder should be
            raise CasestudyError(f"{out}: {existing} is a broken link, not a folder; give --out a folder path")
        existing = existing.parent
    if not existing.is_dir():
        where = "" if existing == out else f" ({existing} is a file)"
        raise CasestudyError(f"{out}: not a folder{where}; give --out a folder path")
    try:
        handle, probe = tempfile.mkstemp(dir=existing, prefix=".casestudy-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise CasestudyError(f"{out}: cannot write in {existing} ({_reason(exc)}); give --out a folder you can "
                             "write to") from None
    free = shutil.disk_usage(existing).free / 2**20
    if free < min_free_mb:
        raise CasestudyError(f"{out}: only {free:.0f} MB free on its disk (a run needs at least {min_free_mb:g} MB); "
                             "free some space or give --out a folder on another disk")


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left on the disk"
    return exc.strerror or type(exc).__name__


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error that stopped a command: the file, what is wrong, what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{where}no space left on the disk; free some space (or give --out on another disk) and run again"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{where}file name too long for the file system; shorten the file or folder names"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{where}cannot write ({_reason(exc)}); give --out a folder you can write to"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"{where}a file stands where a folder should be; give --out a folder path"
    return f"{where}{_reason(exc)}"


def check_workbook(path: str | Path, what: str = "workbook") -> None:
    """Refuse an XLSX file whose XML parts carry a DTD (``<!DOCTYPE``): Excel never writes one, and a DTD
    is how entity expansion and external entities get in. Reads at most the first 4 KB of each part."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(info) as part:
                    head = part.read(4096)
                if b"<!doctype" in head.lower():
                    raise CasestudyError(f"{path}: the {what}'s part {info.filename} holds a DTD (<!DOCTYPE>), "
                                         "which casestudy does not read; save the file again from Excel or "
                                         "LibreOffice as .xlsx")
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError) as exc:
        raise CasestudyError(f"{path}: cannot be read as an XLSX {what} ({type(exc).__name__}); save it again "
                             "as .xlsx or as CSV") from None
