"""The whole pipeline behind ``casestudy run``: every stage, written into one output folder."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .codebook import Codebook, load_codebook
from .coding import code_corpus, code_matrix
from .corpus import file_sha256
from .errors import CasestudyError
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


#: Where the shipped codebooks live in a source checkout (the supported way to install casestudy).
SHIPPED_CODEBOOKS = Path(__file__).resolve().parents[2] / "codebooks"
DEFAULT_CODEBOOK = "barnevern"
DEFAULT_RUN_CODEBOOKS = ("barnevern", "krav_15-1")


def shipped_exists(name: str) -> bool:
    return (Path("codebooks") / f"{name}.yaml").exists() or (SHIPPED_CODEBOOKS / f"{name}.yaml").exists()


def codebook_table(codebook: Codebook):
    """One row per code: id, path, parent, label, origin, description, patterns, exclude (patterns '; '-joined)."""
    import pandas as pd

    parents, paths = codebook.parents(), codebook.paths()
    rows = [(c.id, paths[c.id], parents[c.id] or "", c.label, c.origin, c.description, "; ".join(c.patterns),
             "; ".join(c.exclude)) for c in codebook.flat()]
    return pd.DataFrame(rows, columns=["code", "path", "parent", "label", "origin", "description", "patterns",
                                       "exclude"])


def resolve_codebook(name_or_path: str | Path) -> Path:
    """A codebook path: an existing file, or the name of a shipped codebook ('barnevern', 'krav_15-1')."""
    path = Path(name_or_path)
    if path.exists():
        return path
    for candidate in (Path("codebooks") / f"{name_or_path}.yaml", SHIPPED_CODEBOOKS / f"{name_or_path}.yaml"):
        if candidate.exists():
            return candidate
    raise CasestudyError(f"{name_or_path}: codebook not found (give a YAML file, or a shipped name such as "
                         f"'{DEFAULT_CODEBOOK}')")


def write_coding(corpus: Corpus, codebook: Codebook, out: Path, *, unit: str = "sentence", by: str | None = None,
                 suffix: str = "") -> list[Path]:
    """coded_segments.csv and code_matrix.csv (case × code), plus per document and per ``by`` attribute."""
    coded = code_corpus(corpus, codebook, unit=unit)
    written = [
        write_csv(coded, out / f"coded_segments{suffix}.csv"),
        write_csv(code_matrix(coded, codebook, by="case"), out / f"code_matrix{suffix}.csv"),
        write_csv(code_matrix(coded, codebook, by="document"), out / f"code_matrix_documents{suffix}.csv"),
    ]
    if by and by not in ("case", "document"):
        written.append(write_csv(code_matrix(coded, codebook, by=by, corpus=corpus),
                                 out / f"code_matrix_{by}{suffix}.csv"))
    return written


def write_requirements(corpus: Corpus, checklist: Codebook, out: Path) -> list[Path]:
    """requirements.csv (long), requirements_matrix.csv (plan × requirement) and requirements_evidence.csv."""
    from .requirements import assess

    result = assess(corpus, checklist)
    return [
        write_csv(result.requirements, out / "requirements.csv"),
        write_csv(result.matrix, out / "requirements_matrix.csv"),
        write_csv(result.evidence, out / "requirements_evidence.csv"),
    ]


def write_profiles(corpus: Corpus, out: Path, requirements=None) -> list[Path]:
    """plan_profiles.csv with its evidence, plan_similarity.csv and plan_comparison.csv."""
    from .profile import comparison, profiles, similarity

    profile, evidence = profiles(corpus)
    return [
        write_csv(profile, out / "plan_profiles.csv"),
        write_csv(evidence, out / "plan_profile_evidence.csv"),
        write_csv(similarity(corpus), out / "plan_similarity.csv"),
        write_csv(comparison(profile, requirements), out / "plan_comparison.csv"),
    ]


def run(corpus: Corpus, out: str | Path, *, by: str | None = "role", top: int | None = None,
        stopwords=None, clouds: bool = True, codebooks: list[Path] = (), unit: str = "sentence",
        options: dict | None = None, started: float | None = None) -> dict:
    """Write every output of the pipeline for an already read corpus into ``out``; returns the manifest."""
    started = started or time.perf_counter()
    out = Path(out)
    loaded = [load_codebook(p) for p in codebooks]  # validate all before writing anything
    written = write_ingest(corpus, out)
    coding_books = [c for c in loaded if c.extra.get("kind") != "checklist"]
    for i, codebook in enumerate(coding_books):
        suffix = "" if i == 0 else f"_{codebook.path.stem}"
        written += write_coding(corpus, codebook, out, unit=unit, by=by, suffix=suffix)
    checklists = [c for c in loaded if c.extra.get("kind") == "checklist"]
    requirements = None
    if corpus.subset("plan") or any(s for s in corpus.skipped):
        for checklist in checklists[:1]:
            written += write_requirements(corpus, checklist, out)
            import pandas as pd

            requirements = pd.read_csv(out / "requirements.csv")
        if corpus.subset("plan"):
            written += write_profiles(corpus, out, requirements)
    counts = word_counts(corpus, top=top, stopwords=stopwords)
    grouped = word_counts(corpus, by=by, top=top, stopwords=stopwords) if by else None
    written.append(write_csv(counts if grouped is None else _stack(counts, grouped, by), out / "word_counts.csv"))
    if clouds:
        written += wordclouds(counts, out / "figures")
        if grouped is not None:
            written += wordclouds(grouped, out / "figures")
    data = manifest(corpus, dict(options or {}, by=by, top=top, unit=unit), written, out, started,
                    [c.path for c in loaded])
    write_json(data, out / "manifest.json")
    return data


def _stack(counts, grouped, by):
    """All words first (group 'alle'), then the words of each ``by`` group."""
    import pandas as pd

    return pd.concat([counts, grouped], ignore_index=True)
