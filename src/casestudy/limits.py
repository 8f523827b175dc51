"""What one input file may cost, set in one place: a file over a limit is skipped with a reason, so a
bomb (a ZIP part that inflates to gigabytes, a PDF of a million pages) costs the run one line, not the
machine.

The defaults pass any real plan or transcript with a wide margin (a 500-page plan is ≈ 1.5 million
characters; Word's document.xml for it ≈ 10 MB, compressed 5-20 times). To raise one: the option
``--limit NAME=VALUE`` of every command that reads a corpus, the environment variable
``CASESTUDY_LIMITS="pages=5000,part_mb=500"``, or :func:`configure` in Python. Reading workers are
forked, so they see the limits of the process that forks them.

``memory_gb`` bounds each reading worker on its own (RLIMIT_AS); ``total_gb`` bounds the sum over the
process that reads a corpus and its workers, so two bombs read at once cannot take twice the memory:
past it, the worker that has grown most on its file is stopped and that file skipped (engine/forking.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from .errors import ReaderError, UsageError

#: A ZIP member smaller than this may have any compression ratio (small parts of repeated XML do).
RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The limits on one file; each name is also the NAME of ``--limit NAME=VALUE``."""

    part_mb: float = 200  # inflated size of one ZIP member read (DOCX part, XLSX sheet, .qdpx project or source)
    ratio: float = 200  # inflated / compressed size of a ZIP member over RATIO_FLOOR (deflate's maximum is ≈ 1030)
    text_mb: float = 25  # text of one file, in millions of characters (a TXT file: in MB); a 500-page plan: 1.5
    pages: int = 2000  # pages of one PDF
    memory_gb: float = 1  # how much a reading worker may grow (RLIMIT_AS); a dense 500-page plan needs < 0.25
    seconds: float = 600  # time a reading worker may spend on one file
    total_gb: float = 2  # resident memory of the run's process and its reading workers together (Linux)


_DEFAULT = Limits()
_current: Limits | None = None


def current() -> Limits:
    """The limits in force: those set with :func:`configure`, else the defaults with $CASESTUDY_LIMITS applied."""
    global _current
    if _current is None:
        _current = _parse(os.environ.get("CASESTUDY_LIMITS", ""), _DEFAULT, "CASESTUDY_LIMITS")
    return _current


def configure(**changes) -> Limits:
    """Change some limits for this process (and the workers it forks later); returns the previous ones."""
    global _current
    previous = current()
    names = {f.name for f in fields(Limits)}
    for name, value in changes.items():
        if name not in names:
            raise UsageError(f"unknown limit {name!r}; the limits are {', '.join(sorted(names))}")
        if not isinstance(value, (int, float)) or value <= 0:
            raise UsageError(f"limit {name} must be a positive number, not {value!r}")
    _current = replace(previous, **changes)
    return previous


def reset() -> None:
    """Back to the defaults with $CASESTUDY_LIMITS applied (each command starts from them)."""
    global _current
    _current = None


def restore(limits: Limits) -> None:
    """Put back limits that :func:`configure` returned."""
    global _current
    _current = limits


def parse_settings(settings, where: str = "--limit") -> dict[str, float]:
    """{name: value} from 'NAME=VALUE' strings (each may hold several, comma-separated)."""
    names = {f.name: f.type for f in fields(Limits)}
    found: dict[str, float] = {}
    for item in (part.strip() for setting in settings for part in setting.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if name not in names:
            raise UsageError(f"{where}: unknown limit {name!r}; the limits are {', '.join(sorted(names))}")
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"{where}: {name} needs a number (NAME=VALUE), not {value.strip()!r}") from None
        if number <= 0:
            raise UsageError(f"{where}: {name} must be positive")
        found[name] = int(number) if names[name] == "int" else number
    return found


def _parse(text: str, base: Limits, where: str) -> Limits:
    return replace(base, **parse_settings([text], where)) if text.strip() else base


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} KB"


def _raise_hint(name: str, value) -> str:
    return f"if the file is genuine, raise the limit (--limit {name}={value} or CASESTUDY_LIMITS)"


def check_zip_member(path, info) -> None:
    """ReaderError when a ZIP member's header says it inflates past the part limit or ratio (read nothing)."""
    limits = current()
    if info.file_size > limits.part_mb * 1e6:
        raise ReaderError(path, f"part {info.filename} inflates to {_mb(info.file_size)}, over the limit of "
                                f"{limits.part_mb:g} MB", _raise_hint("part_mb", int(limits.part_mb * 4)))
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > limits.ratio:
        raise ReaderError(path, f"part {info.filename} inflates {ratio:,.0f} times (a ZIP bomb?), over the limit of "
                                f"{limits.ratio:g}", _raise_hint("ratio", int(ratio) + 1))


def read_zip_member(archive, info, path) -> bytes:
    """A ZIP member's bytes, within the limits: checked on its header first, then counted while it inflates
    (a header can lie about the size)."""
    check_zip_member(path, info)
    limit = int(current().part_mb * 1e6)
    chunks, total = [], 0
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            total += len(chunk)
            if total > limit:
                raise ReaderError(path, f"part {info.filename} inflates past the limit of {current().part_mb:g} MB "
                                        f"(its header says {_mb(info.file_size)})",
                                  _raise_hint("part_mb", int(current().part_mb * 4)))
            chunks.append(chunk)
    return b"".join(chunks)


def check_zip(path) -> None:
    """ReaderError when any member of the ZIP file at ``path`` is over a limit by its header; for a
    package read by another library (openpyxl), whose reads zipfile stops at the header's size."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return  # not a ZIP at all: the reader says what it is
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            check_zip_member(path, info)


def check_text(path, characters: int) -> None:
    """ReaderError when a file's text is longer than the text limit."""
    limit = current().text_mb * 1e6
    if characters > limit:
        raise ReaderError(path, f"{characters / 1e6:,.1f} million characters of text, over the limit of "
                                f"{current().text_mb:g} million", _raise_hint("text_mb", int(characters / 1e6) + 1))


def check_pages(path, pages: int) -> None:
    """ReaderError when a PDF has more pages than the page limit (checked before any page is read)."""
    limit = current().pages
    if pages > limit:
        raise ReaderError(path, f"{pages:,} pages, over the limit of {limit:,}", _raise_hint("pages", pages))
