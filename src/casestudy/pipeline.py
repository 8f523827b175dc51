"""The whole pipeline behind ``casestudy run``: every stage, written into one output folder.

Layout of ``out``: the CSV tables at the top, ``figures/`` (word clouds),
``appendix/`` (XLSX, DOCX, Markdown), ``exchange/`` (REFI-QDA) and ``manifest.json``.
Every file is written atomically, and the CSVs are byte-identical for identical inputs.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from .codebook import Codebook, load_codebook
from .coding import code_corpus, code_matrix, unit_ids
from .corpus import file_sha256
from .errors import CasestudyError
from .frequency import word_counts, wordclouds
from .outputs import write_csv, write_json
from .process import Corpus, concurrently, frozen_objects

_PACKAGES = ("casestudy", "spacy", "simplemma", "pypdfium2", "pdfplumber", "python-docx", "lxml", "pandas", "numpy",
             "wordcloud", "scikit-learn", "scipy", "openpyxl")

#: Where the shipped codebooks live in a source checkout (the supported way to install casestudy).
SHIPPED_CODEBOOKS = Path(__file__).resolve().parents[2] / "codebooks"
DEFAULT_CODEBOOK = "barnevern"
DEFAULT_RUN_CODEBOOKS = ("barnevern", "krav_15-1")


def shipped_exists(name: str) -> bool:
    return (Path("codebooks") / f"{name}.yaml").exists() or (SHIPPED_CODEBOOKS / f"{name}.yaml").exists()


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


def codebook_table(codebook: Codebook) -> pd.DataFrame:
    """One row per code: code, path, parent, label, origin, description, patterns and exclude ('; '-joined)."""
    parents, paths = codebook.parents(), codebook.paths()
    rows = [(c.id, paths[c.id], parents[c.id] or "", c.label, c.origin, c.description, "; ".join(c.patterns),
             "; ".join(c.exclude)) for c in codebook.flat()]
    return pd.DataFrame(rows, columns=["code", "path", "parent", "label", "origin", "description", "patterns",
                                       "exclude"])


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
    inputs = [{"document": doc.id, "sha256": doc.sha256, "status": "ok"} for doc in corpus.documents]
    inputs += [{"document": s.document, "status": "skipped", "reason": s.reason} for s in corpus.skipped]
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


def document_tasks(codebooks: list[Codebook], *, unit: str = "sentence", profiles: bool = True,
                   model: str | None = None) -> list:
    """The per-document analyses a run of these codebooks needs, for the reading workers to do
    (see :class:`casestudy.process.DocumentTask`): coding with each codebook, the plan check
    with the first checklist, and the plan profiles; ``model`` is the spaCy pipeline the
    corpus is read with (None: the built-in one)."""
    from .coding import CodingTask
    from .profile import ProfileTask
    from .requirements import AssessTask

    tasks = [CodingTask(book, unit, model=model) for book in codebooks if book.extra.get("kind") != "checklist"]
    tasks += [AssessTask(book, model=model) for book in codebooks if book.extra.get("kind") == "checklist"][:1]
    if profiles:
        tasks.append(ProfileTask(model=model))
    return tasks


def write_ingest(corpus: Corpus, out: Path) -> list[Path]:
    out = Path(out)
    return [
        write_csv(corpus.documents_frame(), out / "documents.csv"),
        write_csv(corpus.segments_frame(), out / "segments.csv"),
    ]


def coding_frames(corpus: Corpus, codebook: Codebook, *, unit: str = "sentence", by: str | None = None) -> dict:
    """coded_segments and the code matrices by case, by document and by ``by``, keyed by file stem."""
    coded = code_corpus(corpus, codebook, unit=unit)
    return {"coded_segments": coded, **code_matrices(coded, codebook, by=by, corpus=corpus)}


def code_matrices(coded: pd.DataFrame, codebook: Codebook, *, by: str | None = None, corpus=None) -> dict:
    """The code matrices by case, by document and by ``by``, keyed by file stem."""
    units = unit_ids(coded)
    frames = {
        "code_matrix": code_matrix(coded, codebook, by="case", units=units),
        "code_matrix_documents": code_matrix(coded, codebook, by="document", units=units),
    }
    if by and by not in ("case", "document"):
        frames[f"code_matrix_{by}"] = code_matrix(coded, codebook, by=by, corpus=corpus, units=units)
    return frames


def write_coding(corpus: Corpus, codebook: Codebook, out: Path, *, unit: str = "sentence", by: str | None = None,
                 suffix: str = "") -> list[Path]:
    """coded_segments.csv and code_matrix.csv (case × code), plus per document and per ``by`` attribute."""
    frames = coding_frames(corpus, codebook, unit=unit, by=by)
    return [write_csv(frame, Path(out) / f"{name}{suffix}.csv") for name, frame in frames.items()]


def requirement_frames(corpus: Corpus, checklist: Codebook) -> dict:
    from .requirements import assess

    result = assess(corpus, checklist)
    return {"requirements": result.requirements, "requirements_matrix": result.matrix,
            "requirements_evidence": result.evidence}


def write_requirements(corpus: Corpus, checklist: Codebook, out: Path) -> list[Path]:
    """requirements.csv (long), requirements_matrix.csv (plan × requirement) and requirements_evidence.csv."""
    return [write_csv(frame, Path(out) / f"{name}.csv")
            for name, frame in requirement_frames(corpus, checklist).items()]


def profile_frames(corpus: Corpus, requirements: pd.DataFrame | None = None) -> dict:
    """plan_profiles with its evidence, plan_similarity and plan_comparison."""
    from .profile import comparison, profiles, similarity

    profile, evidence = profiles(corpus)
    return {"plan_profiles": profile, "plan_profile_evidence": evidence, "plan_similarity": similarity(corpus),
            "plan_comparison": comparison(profile, requirements)}


def write_profiles(corpus: Corpus, out: Path, requirements=None) -> list[Path]:
    """plan_profiles.csv with its evidence, plan_similarity.csv and plan_comparison.csv."""
    return [write_csv(frame, Path(out) / f"{name}.csv")
            for name, frame in profile_frames(corpus, requirements).items()]


STAGING_PREFIX = ".run-"


def run_key(root: str | Path, *, files: list[Path], codebooks: list[Path] = (), extra_files: list = (),
            options: dict | None = None) -> str:
    """A hash of everything a run's outputs depend on: every input file's content, the codebooks,
    cases.csv and other named files, the options, and casestudy's own source and version."""
    import hashlib
    import json

    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("data/*")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    digest.update(json.dumps(options or {}, sort_keys=True, default=str).encode())
    root = Path(root)
    for path in list(files) + [Path(p) for p in codebooks] + [Path(p) for p in extra_files if p]:
        try:
            stamp = file_sha256(path)
        except OSError as exc:
            stamp = f"unreadable:{exc.errno}"
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        digest.update(f"{name}\0{stamp}\n".encode("utf-8", "surrogateescape"))  # (a name need not be UTF-8)
    return digest.hexdigest()


def up_to_date(out: str | Path, key: str) -> bool:
    """True when ``out`` holds a complete run made with the same run key (see :func:`run_key`)."""
    import json

    manifest_path = Path(out) / "manifest.json"
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return data.get("run_key") == key and all((Path(out) / name).exists() for name in data.get("outputs", []))


def run(corpus: Corpus, out: str | Path, **options) -> dict:
    """Write every output of the pipeline for an already read corpus into ``out``; returns the manifest.

    The run writes into a staging folder inside ``out`` and moves its files into place
    only when every stage has succeeded, so an interrupted or failed run leaves the
    previous outputs as they were. See :func:`write_all` for the options.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(f"{STAGING_PREFIX}*"):  # left by a run that was killed outright
        shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        with frozen_objects():  # the corpus: the cycle collector need not walk it while the outputs are made
            data = write_all(corpus, stage, **options)
        publish(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return data


def publish(stage: Path, out: Path) -> None:
    """Move every file of ``stage`` to the same place under ``out``; the manifest last, as the mark of a
    complete run."""
    files = sorted(p for p in stage.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == "manifest.json")
    for path in files:
        target = out / path.relative_to(stage)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def agreement_frames(human, coded: pd.DataFrame, corpus: Corpus, codebook: Codebook, *, unit: str = "sentence",
                     **options) -> tuple[dict, str]:
    """agreement (per code), disagreements and unaligned human rows, plus the summary line."""
    from .agreement import agreement, read_coding

    if not isinstance(human, pd.DataFrame):
        human = read_coding(human, codebook=codebook)
    result = agreement(human, coded, corpus, unit=unit, rollup_codebook=codebook, **options)
    return ({"agreement": result.per_code, "disagreements": result.disagreements, "unaligned": result.unaligned},
            result.summary)


def write_all(corpus: Corpus, out: Path, *, by: str | None = "role", top: int | None = None,
              stopwords=None, clouds: bool = True, codebooks: list[Path] = (), unit: str = "sentence",
              lang: str = "nb", appendix: bool = True, reference: str | Path | None = None,
              options: dict | None = None, started: float | None = None, key: str | None = None,
              jobs: int | None = None) -> dict:
    """Every output of the pipeline, written into ``out`` (no staging: see :func:`run`).

    ``jobs`` (default: the corpus's ``--jobs``, else all cores): with more than one, the
    largest tables and the REFI-QDA project are written by a forked process while this
    one writes the rest.
    """
    from .tables import appendix_tables, write_docx, write_markdown, write_xlsx

    started = started or time.perf_counter()
    out = Path(out)
    loaded = [load_codebook(p) for p in codebooks]  # validate all before writing anything
    coding_books = [c for c in loaded if c.extra.get("kind") != "checklist"]
    checklists = [c for c in loaded if c.extra.get("kind") == "checklist"]
    if reference is not None and not coding_books:
        raise CasestudyError("--reference needs a codebook to compare with (--codebook)")
    frames: dict[str, pd.DataFrame] = {}
    suffixes = ["" if i == 0 else f"_{book.path.stem}" for i, book in enumerate(coding_books)]
    for suffix, codebook in zip(suffixes, coding_books):
        frames[f"coded_segments{suffix}"] = code_corpus(corpus, codebook, unit=unit)
    if checklists:
        frames.update(requirement_frames(corpus, checklists[0]))
    # the largest tables (coded segments, evidence) and the REFI-QDA project are written by a second
    # process meanwhile (about half of the writing's CPU on the national corpus)
    early = [name for name in frames if name.startswith("coded_segments") or name == "requirements_evidence"]

    def largest_tables_and_exchange() -> list[Path]:
        paths = [write_csv(frames[name], out / f"{name}.csv") for name in early]
        if appendix:
            paths += write_exchange(corpus, frames.get("coded_segments"), coding_books[0] if coding_books else None,
                                    out / "exchange")
        return paths

    summary = None

    def everything_else() -> list[Path]:
        nonlocal summary
        paths = write_ingest(corpus, out)
        # one pass over the tokens for the counts of every group and of all of them (group 'alle')
        counts = frames["word_counts"] = word_counts(corpus, by=by, top=top, stopwords=stopwords, total=True)
        grouped = None
        if by:
            overall = counts["group"] == "alle"
            counts, grouped = counts[overall], counts[~overall]
        for suffix, codebook in zip(suffixes, coding_books):
            matrices = code_matrices(frames[f"coded_segments{suffix}"], codebook, by=by, corpus=corpus)
            frames.update({f"{name}{suffix}": frame for name, frame in matrices.items()})
        if reference is not None:
            found, summary = agreement_frames(reference, frames["coded_segments"], corpus, coding_books[0],
                                              unit=unit)
            frames.update(found)
        if corpus.subset("plan"):
            frames.update(profile_frames(corpus, frames.get("requirements")))
        paths += [write_csv(frame, out / f"{name}.csv") for name, frame in frames.items() if name not in early]
        images: list[Path] = []
        if clouds:
            images += wordclouds(counts, out / "figures")
            if grouped is not None:
                images += wordclouds(grouped, out / "figures")
            paths += images
        if appendix:
            tables = appendix_tables(
                requirements_matrix=frames.get("requirements_matrix"),
                checklist=checklists[0] if checklists else None, profiles=frames.get("plan_profiles"),
                code_matrix=frames.get("code_matrix"), codebook=coding_books[0] if coding_books else None,
                word_counts=frames["word_counts"], coded=frames.get("coded_segments"), lang=lang,
            )
            paths += [write_xlsx(tables, out / "appendix" / "appendix.xlsx"),
                      write_docx(tables, out / "appendix" / "appendix.docx", images=images, lang=lang),
                      write_markdown(tables, out / "appendix" / "appendix.md", lang=lang)]
        return paths

    written: list[Path] = []
    for paths in concurrently(everything_else, largest_tables_and_exchange, jobs=jobs or corpus.options.get("jobs")):
        written += paths
    data = manifest(corpus, dict(options or {}, by=by, top=top, unit=unit, lang=lang,
                                 reference=str(reference) if reference else None), written, out, started,
                    [c.path for c in loaded])
    if summary:
        data["agreement"] = summary
    if key:
        data["run_key"] = key
    write_json(data, out / "manifest.json")
    return data


def write_exchange(corpus: Corpus, coded: pd.DataFrame | None, codebook: Codebook | None, folder: Path) -> list[Path]:
    """project.qdpx and codebook.qdc (REFI-QDA) for NVivo, ATLAS.ti, MAXQDA and QualCoder."""
    if codebook is None or coded is None:
        return []
    try:
        from .exchange import export_qdc, export_qdpx
    except ImportError:  # the exchange package is optional in a partial install
        return []
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(export_qdpx(corpus, coded, codebook, folder / "project.qdpx")),
            Path(export_qdc(codebook, folder / "codebook.qdc"))]


EXPORT_FORMATS = ("xlsx", "docx", "md", "qdpx", "qdc")


def export(corpus: Corpus, fmt: str, path: str | Path, *, codebook: Codebook | None = None,
           checklist: Codebook | None = None, by: str | None = "role", lang: str = "nb",
           unit: str = "sentence") -> Path:
    """Write one export: the appendix as xlsx/docx/md, or a REFI-QDA project (qdpx) or codebook (qdc)."""
    from .errors import check_choice
    from .tables import appendix_tables, write_docx, write_markdown, write_xlsx

    check_choice("format", fmt, EXPORT_FORMATS)
    path = Path(path)
    if fmt in ("qdpx", "qdc"):
        if codebook is None:
            raise CasestudyError("a REFI-QDA export needs a codebook (--codebook)")
        from .exchange import export_qdc, export_qdpx

        if fmt == "qdc":
            return Path(export_qdc(codebook, path))
        return Path(export_qdpx(corpus, code_corpus(corpus, codebook, unit=unit), codebook, path))
    frames: dict[str, pd.DataFrame] = {}
    if codebook is not None:
        frames.update(coding_frames(corpus, codebook, unit=unit))
    if checklist is not None:
        frames.update(requirement_frames(corpus, checklist))
    if corpus.subset("plan"):
        frames.update(profile_frames(corpus, frames.get("requirements")))
    counts = word_counts(corpus, by=by)
    tables = appendix_tables(
        requirements_matrix=frames.get("requirements_matrix"), checklist=checklist,
        profiles=frames.get("plan_profiles"), code_matrix=frames.get("code_matrix"), codebook=codebook,
        word_counts=counts, coded=frames.get("coded_segments"), lang=lang,
    )
    if fmt == "xlsx":
        return write_xlsx(tables, path)
    if fmt == "md":
        return write_markdown(tables, path, lang=lang)
    with tempfile.TemporaryDirectory() as folder:
        images = wordclouds(counts, folder)
        return write_docx(tables, path, images=images, lang=lang)
