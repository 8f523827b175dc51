"""The whole pipeline behind ``casestudy run``: every stage, written into one output folder."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .corpus import file_sha256
from .frequency import word_counts, wordclouds
from .outputs import write_csv, write_json
from .process import Corpus

_PACKAGES = ("casestudy", "spacy", "simplemma", "pypdfium2", "pdfplumber", "python-docx", "pandas", "numpy",
             "wordcloud", "scikit-learn")


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def manifest(corpus: Corpus, options: dict, outputs: list[Path], out: Path, started: float,
             codebooks: list[Path] = ()) -> dict:
    """What a run read, with which options and versions, what it skipped and what it wrote."""
    inputs = []
    for doc in corpus.documents:
        inputs.append({"document": doc.id, "sha256": doc.sha256, "status": "ok"})
    for skip in corpus.skipped:
        inputs.append({"document": skip.document, "status": "skipped", "reason": skip.reason})
    inputs.sort(key=lambda row: row["document"])
    return {
        "tool": "casestudy",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "command": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
        "corpus": str(corpus.root),
        "options": options,
        "versions": package_versions(),
        "codebooks": [{"path": str(p), "sha256": file_sha256(p)} for p in codebooks],
        "inputs": inputs,
        "skipped": [{"document": s.document, "reason": s.reason} for s in corpus.skipped],
        "warnings": corpus.warnings,
        "outputs": sorted(p.relative_to(out).as_posix() for p in outputs),
    }


def write_ingest(corpus: Corpus, out: Path) -> list[Path]:
    out = Path(out)
    return [
        write_csv(corpus.documents_frame(), out / "documents.csv"),
        write_csv(corpus.segments_frame(), out / "segments.csv"),
    ]


def run(corpus: Corpus, out: str | Path, *, by: str | None = "role", top: int | None = None,
        stopwords=None, clouds: bool = True, options: dict | None = None, started: float | None = None) -> dict:
    """Write every output of the pipeline for an already read corpus into ``out``; returns the manifest."""
    started = started or time.perf_counter()
    out = Path(out)
    written = write_ingest(corpus, out)
    counts = word_counts(corpus, top=top, stopwords=stopwords)
    grouped = word_counts(corpus, by=by, top=top, stopwords=stopwords) if by else None
    written.append(write_csv(counts if grouped is None else _stack(counts, grouped, by), out / "word_counts.csv"))
    if clouds:
        written += wordclouds(counts, out / "figures")
        if grouped is not None:
            written += wordclouds(grouped, out / "figures")
    data = manifest(corpus, dict(options or {}, by=by, top=top), written, out, started)
    write_json(data, out / "manifest.json")
    return data


def _stack(counts, grouped, by):
    """All words first (group 'alle'), then the words of each ``by`` group."""
    import pandas as pd

    return pd.concat([counts, grouped], ignore_index=True)
