"""The whole pipeline behind ``casestudy run``: the tables of analyses and outputs joined, every result
written into one output folder.

Layout of ``out``: the CSV tables at the top, ``figures/`` (word clouds), ``appendix/`` (XLSX,
DOCX, Markdown), ``exchange/`` (REFI-QDA) and ``manifest.json``. Every file is written
atomically, and the CSVs are byte-identical for identical inputs. This is the one module that
imports both the analyses and the reading engine.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .analyses import ANALYSES
from .analyses.agreement import agreement_frames
from .analyses.coding import code_corpus, code_matrices, coding_frames, unit_ids
from .analyses.frequency import word_counts
from .analyses.plancheck import plancheck_frames
from .analyses.profile import profile_frames
from .codebook import Codebook, load_codebook, resolve_codebook, shipped_exists
from .engine.forking import concurrently, frozen_objects
from .errors import CasestudyError, check_choice
from .model import Corpus
from .output import EXPORTS
from .output.appendix import appendix_from
from .output.figures import wordclouds
from .output.files import write_csv, write_json
from .sources.folder import file_sha256, find_files
from .sources.pseudonyms import pseudonymising

_PACKAGES = ("casestudy", "spacy", "simplemma", "pypdfium2", "python-docx", "lxml", "pandas", "numpy",
             "wordcloud", "scikit-learn", "scipy", "openpyxl", "regex")

DEFAULT_RUN_CODEBOOKS = ("barnevern", "krav_15-1")
EXPORT_FORMATS = tuple(EXPORTS)


def is_checklist(book: Codebook) -> bool:
    return book.extra.get("kind") == "checklist"


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
    folder = run_folder(out)
    return {
        "tool": "casestudy",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 2),
        "command": command_line(corpus),
        "corpus": portable_path(corpus.root, folder, corpus),
        "options": portable_options(options, folder, corpus),
        "versions": package_versions(),
        "codebooks": [{"path": portable_path(p, folder, corpus), "sha256": file_sha256(p)} for p in codebooks],
        "inputs": inputs,
        "skipped": [{"document": s.document, "reason": s.reason} for s in corpus.skipped],
        "warnings": corpus.warnings,
        "outputs": sorted(p.relative_to(out).as_posix() for p in outputs),
    }


# --- what a manifest records: paths relative to the run folder, and in a pseudonymised run no name at all ---------


def run_folder(out: Path) -> Path:
    """The run folder a manifest is for (``out`` itself, or the folder a staging folder is in)."""
    out = Path(out)
    return out.parent if out.name.startswith(STAGING_PREFIX) else out


def portable_path(path, folder: Path, corpus: Corpus | None = None) -> str | None:
    """A path as a manifest records it: relative to the run folder (so the folder can move and shows no home
    folder), with the listed names replaced when the run is pseudonymised."""
    if path is None or str(path) == "":
        return None if path is None else ""
    try:
        text = Path(os.path.relpath(os.path.abspath(path), os.path.abspath(folder))).as_posix()
    except ValueError:  # another drive (Windows): the name alone
        text = Path(path).name
    pseudonyms = corpus.shared.get("pseudonyms") if corpus is not None else None
    return pseudonyms.scrub(text) if pseudonyms is not None else text


def portable_options(options: dict, folder: Path, corpus: Corpus) -> dict:
    """A run's options for its manifest: the paths among them relative (see :func:`portable_path`); in a
    pseudonymised run the cache folder only as whether there was one (its path may hold a user name)."""
    found = dict(options or {})
    for key in ("cases", "stopwords", "reference", "cache", "names", "suggest"):
        if isinstance(found.get(key), str) and found[key]:
            found[key] = portable_path(found[key], folder, corpus)
    if found.get("pseudonymised") and found.get("cache"):
        found["cache"] = "on"
    return found


def command_line(corpus: Corpus) -> str:
    """The command line for the manifest; in a pseudonymised run not its arguments, which name files."""
    if corpus.options.get("pseudonymised"):
        return "casestudy run (pseudonymised: the arguments are not recorded)"
    return " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:])


def resolve_recorded(path: str, folder: Path) -> Path:
    """A path a manifest records (see :func:`portable_path`), as a path to open: relative to its run folder."""
    return Path(path) if Path(path).is_absolute() else Path(folder) / path


def document_tasks(codebooks: list[Codebook], *, unit: str = "sentence", profiles: bool = True,
                   model: str | None = None) -> list:
    """The per-document analyses (ANALYSES) a run of these codebooks needs, for the reading workers to do:
    each analysis that uses a codebook once per coding codebook, one that uses a checklist with the
    first checklist, one that uses neither when ``profiles``; ``model`` is the spaCy pipeline the corpus
    is read with (None: the built-in one)."""
    tasks = []
    for analysis in ANALYSES.values():
        if analysis.uses == "codebook":
            books = [book for book in codebooks if not is_checklist(book)]
        elif analysis.uses == "checklist":
            books = [book for book in codebooks if is_checklist(book)][:1]
        else:
            books = [None] if profiles else []
        tasks += [analysis.task.for_run(book, unit=unit, model=model) for book in books]
    return tasks


# --- run planning: what a run depends on, and whether an output folder is current -------------------------------


@dataclass
class RunPlan:
    """What ``casestudy run`` will do: the corpus, the codebooks (paths and loaded), the settings, the run
    key that hashes everything the outputs depend on (see :func:`run_key`), and the base key that hashes
    everything but the coding (the coding codebooks, the unit and a reference coding)."""

    corpus: Path
    codebook_paths: list[Path]
    codebooks: list[Codebook]
    settings: dict
    key: str
    base_key: str = ""

    def up_to_date(self, out: str | Path) -> bool:
        """True when ``out`` holds a complete run with this plan's key: nothing would change."""
        return up_to_date(out, self.key)

    def only_coding_changed(self, out: str | Path) -> bool:
        """True when ``out`` holds a complete run that differs from this plan only in its coding (a codebook
        edit, another unit): then :func:`recode` rebuilds what depends on the coding and keeps the rest."""
        data = _manifest_of(out)
        return (data is not None and bool(self.base_key) and data.get("base_key") == self.base_key
                and data.get("run_key") != self.key and _complete(out, data))


def plan_run(corpus: str | Path = "corpus", *, codebooks=None, no_code: bool = False, unit: str = "sentence",
             by: str | None = "role", top: int | None = None, clouds: bool = True, figures: bool = True,
             lang: str = "nb",
             interviewer=(), model: str | None = None, cases: str | Path | None = None,
             stopwords: str | Path | None = None, reference: str | Path | None = None,
             out: str | Path | None = None, suggest: str | Path | None = None,
             follow_links: bool = False, pseudonymise: bool | None = None,
             names: str | Path | None = None) -> RunPlan:
    """Plan a run: resolve and validate the codebooks (a bad codebook stops here, before any output is
    written; default: the shipped barnevern codebook and § 15-1 checklist) and compute the run keys, so a
    notebook can ask whether an output folder is current (``plan_run("corpus").up_to_date("outputs")``).
    ``pseudonymise`` as read_corpus takes it (None: when cases.csv gives pseudonyms)."""
    corpus = Path(corpus)
    if no_code:
        paths = []
    elif codebooks:
        paths = [resolve_codebook(c) for c in codebooks]
    else:
        paths = [resolve_codebook(n) for n in DEFAULT_RUN_CODEBOOKS if shipped_exists(n)]
    books = [load_codebook(path) for path in paths]
    settings = {"codebooks": [str(p) for p in paths], "unit": unit, "by": by, "top": top, "clouds": clouds,
                "figures": figures, "lang": lang, "interviewer": sorted(interviewer), "model": model}
    if follow_links:  # (only when given, so that the key of a run without it is what it was)
        settings["follow_links"] = True
    if pseudonymising(corpus, cases=cases, pseudonymise=pseudonymise, names=names):
        settings["pseudonymise"] = True
    model_files = []
    if suggest is not None:  # a model that does not fit the run stops here, before any output is written
        model_files = check_suggest_model(suggest, [book for book in books if not is_checklist(book)], unit)
        settings["suggest"] = str(suggest)
    cases_file = Path(cases) if cases else (corpus / "cases.csv" if corpus.is_dir() else None)
    extra = [cases_file if cases_file and cases_file.exists() else None, stopwords, names]
    found = find_files(corpus, exclude=[Path(out)] if out else (), follow_links=follow_links)
    stamps = _stamps(corpus, found + [Path(p) for p in extra if p])
    key = run_key(corpus, files=[], codebooks=paths, options=settings, extra_files=[reference, *model_files],
                  stamps=stamps)
    checklists = [path for path, book in zip(paths, books) if is_checklist(book)]
    base = {k: v for k, v in settings.items() if k not in ("codebooks", "unit", "suggest")}
    base_key = run_key(corpus, files=[], codebooks=checklists, options=dict(base, checklists=[str(p) for p in checklists]),
                       stamps=stamps)
    return RunPlan(corpus, paths, books, settings, key, base_key)


def check_suggest_model(folder: str | Path, coding_books: list[Codebook], unit: str) -> list[Path]:
    """Check that the model in ``folder`` can suggest codes in a run with these coding codebooks and unit
    (trained with this version of the first codebook, on this unit); returns its files (for the run key)."""
    from .analyses.learn import load_model

    if not coding_books:
        raise CasestudyError("--suggest needs the codebook the model was trained with (--codebook), not --no-code")
    model = load_model(folder, coding_books[0])
    if model.unit != unit:
        raise CasestudyError(f"{folder}: the model suggests codes for each {model.unit}; run with --unit {model.unit}")
    return [Path(folder) / "model.json", Path(folder) / "weights.npz"]


def _stamps(root: Path, files: list[Path]) -> list[str]:
    """A line per file a run reads, its name and content hash, for the run keys (hashed once)."""
    lines = []
    for path in files:
        try:
            stamp = file_sha256(path)
        except OSError as exc:
            stamp = f"unreadable:{exc.errno}"
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        lines.append(f"{name}\0{stamp}\n")
    return lines


def run_key(root: str | Path, *, files: list[Path], codebooks: list[Path] = (), extra_files: list = (),
            options: dict | None = None, stamps: list[str] = ()) -> str:
    """A hash of everything a run's outputs depend on: every input file's content, the codebooks,
    cases.csv and other named files, the options, and casestudy's own source and version (``stamps``:
    lines of :func:`_stamps` made already)."""
    import hashlib

    digest = hashlib.sha256(_source_digest().encode())
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    digest.update(json.dumps(options or {}, sort_keys=True, default=str).encode())
    root = Path(root)
    lines = list(stamps) + _stamps(root, list(files) + [Path(p) for p in codebooks] + [Path(p) for p in extra_files
                                                                                         if p])
    for line in lines:
        digest.update(line.encode("utf-8", "surrogateescape"))  # (a name need not be UTF-8)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _source_digest() -> str:
    """A hash of casestudy's own source and data files: read once per process (plan_run makes two keys)."""
    import hashlib

    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")) + sorted(package.rglob("data/*")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _manifest_of(out: str | Path) -> dict | None:
    try:
        return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _complete(out: str | Path, data: dict) -> bool:
    return all((Path(out) / name).exists() for name in data.get("outputs", []))


def up_to_date(out: str | Path, key: str) -> bool:
    """True when ``out`` holds a complete run made with the same run key (see :func:`run_key`)."""
    data = _manifest_of(out)
    return data is not None and data.get("run_key") == key and _complete(out, data)


# --- single stages, for the commands that run one ----------------------------------------------------------------


def _write_frames(frames: dict[str, pd.DataFrame], out: Path, suffix: str = "") -> list[Path]:
    return [write_csv(frame, Path(out) / f"{name}{suffix}.csv") for name, frame in frames.items()]


def write_ingest(corpus: Corpus, out: Path) -> list[Path]:
    """documents.csv and segments.csv."""
    return _write_frames({"documents": corpus.documents_frame(), "segments": corpus.segments_frame()}, out)


def write_coding(corpus: Corpus, codebook: Codebook, out: Path, *, unit: str = "sentence", by: str | None = None,
                 suffix: str = "") -> list[Path]:
    """coded_segments.csv and code_matrix.csv (case × code), plus per document and per ``by`` attribute."""
    return _write_frames(coding_frames(corpus, codebook, unit=unit, by=by), out, suffix)


def write_requirements(corpus: Corpus, checklist: Codebook, out: Path) -> list[Path]:
    """requirements.csv (long), requirements_matrix.csv (plan × requirement) and requirements_evidence.csv."""
    return _write_frames(plancheck_frames(corpus, checklist), out)


def write_profiles(corpus: Corpus, out: Path, requirements=None) -> list[Path]:
    """plan_profiles.csv with its evidence, plan_similarity.csv and plan_comparison.csv."""
    return _write_frames(profile_frames(corpus, requirements), out)


def coded_from_run(coded_csv: str | Path) -> tuple[pd.DataFrame, str]:
    """A run's coded_segments.csv and the corpus folder its manifest.json names (for ``agreement`` on a
    finished run): the codebook's rows only (a model's suggestions, ``--suggest``, are not its coding)."""
    coded_csv = Path(coded_csv)
    manifest_path = coded_csv.parent / "manifest.json"
    try:
        corpus = str(resolve_recorded(json.loads(manifest_path.read_text(encoding="utf-8"))["corpus"],
                                      manifest_path.parent))
    except (OSError, ValueError, KeyError):
        raise CasestudyError(f"{coded_csv}: give the corpus with --corpus (no readable manifest.json beside it)"
                             ) from None
    coded = pd.read_csv(coded_csv, dtype={"code": str, "document": str})
    if "source" in coded.columns:
        coded = coded[coded["source"] != "model"].drop(columns=["source", "probability"]).reset_index(drop=True)
    return coded, corpus


# --- the whole run ---------------------------------------------------------------------------------------------


STAGING_PREFIX = ".run-"


def run(corpus: Corpus, out: str | Path, **options) -> dict:
    """Write every output of the pipeline for an already read corpus into ``out``; returns the manifest.

    The run writes into a staging folder inside ``out`` and moves its files into place
    only when every stage has succeeded, so an interrupted or failed run leaves the
    previous outputs as they were. See :func:`write_all` for the options.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with output_lock(out):
        for stale in out.glob(f"{STAGING_PREFIX}*"):  # left by a run that was killed outright
            shutil.rmtree(stale, ignore_errors=True)
        before = _manifest_of(out)
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        try:
            with frozen_objects():  # the corpus: the cycle collector need not walk it while the outputs are made
                data = write_all(corpus, stage, **options)
            # outputs of the previous run that this one does not make go, so nothing stale looks current
            for name in set((before or {}).get("outputs", [])) - set(data["outputs"]):
                (out / name).unlink(missing_ok=True)
            publish(stage, out)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return data


LOCK_NAME = ".casestudy.lock"


@contextlib.contextmanager
def output_lock(out: Path):
    """Hold the output folder for one run at a time: a second run on the same folder stops with a clear
    message instead of mixing its files with the first's (released when the run ends, or dies)."""
    import fcntl

    handle = open(Path(out) / LOCK_NAME, "a")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CasestudyError(f"{out}: another casestudy run is writing to this folder; wait for it to end, "
                                 "or give another --out") from None
        yield
    finally:
        handle.close()


def publish(stage: Path, out: Path) -> None:
    """Move every file of ``stage`` to the same place under ``out``; the manifest last, as the mark of a
    complete run."""
    files = sorted(p for p in stage.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == "manifest.json")
    for path in files:
        target = out / path.relative_to(stage)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


@dataclass
class RunFrames:
    """What the writers of a run share: the corpus, the frames computed before they start (the coding of
    each codebook, the plan check) and the run's settings."""

    corpus: Corpus
    out: Path
    frames: dict[str, pd.DataFrame]
    coding_books: list[Codebook]
    suffixes: list[str]
    checklist: Codebook | None
    settings: dict = field(default_factory=dict)


@dataclass
class Written:
    """What one writer wrote, and notes for the manifest (the agreement summary)."""

    paths: list[Path]
    notes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Writer:
    """One writer process of a run: which of the frames computed before the writers start it writes
    (``frames``: a function of the run giving their names; None: every frame no other writer names), and
    the function that writes those and the outputs it derives itself."""

    name: str
    frames: Callable[[RunFrames], list[str]] | None
    write: Callable[[RunFrames, list[str]], Written]


def _largest_frames(run: RunFrames) -> list[str]:
    """The largest tables of a run: each codebook's coded segments and the plan check's evidence."""
    return [name for name in run.frames if name.startswith("coded_segments") or name == "requirements_evidence"]


def _write_largest(run: RunFrames, names: list[str]) -> Written:
    """The largest tables and the REFI-QDA project (about half of the writing's CPU on a national corpus)."""
    paths = [write_csv(_with_suggestions(run, name), run.out / f"{name}.csv") for name in names]
    if run.settings["appendix"]:
        paths += write_exchange(run.corpus, run.frames.get("coded_segments"),
                                run.coding_books[0] if run.coding_books else None, run.out / "exchange")
    return Written(paths)


def _with_suggestions(run: RunFrames, name: str) -> pd.DataFrame:
    """The frame ``name`` as written: the coded segments with a model's suggestions (``--suggest``) as rows of
    their own (columns source and probability added at the end); every other frame as it is. The
    suggestions are made here, in the writer of the largest tables, beside the other writer: nothing else
    needs them."""
    suggest = run.settings.get("suggest")
    if name != "coded_segments" or suggest is None or not run.coding_books:
        return run.frames[name]
    from .analyses.learn import suggest as suggest_codes, with_suggestions

    coded = run.frames[name]
    return with_suggestions(coded, suggest_codes(run.corpus, suggest, run.coding_books[0], coded=coded))


def _write_rest(run: RunFrames, names: list[str]) -> Written:
    """The frames ``names`` and everything derived from the corpus and the coding: documents and segments,
    word counts and clouds, the code matrices, the agreement, the plan profiles and the appendix."""
    corpus, out, settings = run.corpus, run.out, run.settings
    by = settings["by"]
    frames = {name: run.frames[name] for name in names}
    paths = write_ingest(corpus, out)
    # one pass over the tokens for the counts of every group and of all of them (group 'alle')
    counts = frames["word_counts"] = word_counts(corpus, by=by, top=settings["top"], stopwords=settings["stopwords"],
                                                 total=True)
    grouped = None
    if by:
        overall = counts["group"] == "alle"
        counts, grouped = counts[overall], counts[~overall]
    for suffix, codebook in zip(run.suffixes, run.coding_books):
        matrices = code_matrices(run.frames[f"coded_segments{suffix}"], codebook, by=by, corpus=corpus)
        frames.update({f"{name}{suffix}": frame for name, frame in matrices.items()})
    notes = {}
    if settings["reference"] is not None:
        found, notes["agreement"] = agreement_frames(settings["reference"], run.frames["coded_segments"], corpus,
                                                     run.coding_books[0], unit=settings["unit"])
        frames.update(found)
    for analysis in ANALYSES.values():
        if analysis.uses is None and (analysis.only_with is None or corpus.subset(analysis.only_with)):
            frames.update(analysis.frames(corpus, run.frames.get("requirements")))
    paths += [write_csv(frame, out / f"{name}.csv") for name, frame in frames.items()]
    images: list[Path] = []
    if settings["figures"]:
        images += write_figures(corpus, dict(frames, coded_segments=run.frames.get("coded_segments")),
                                run.coding_books[0] if run.coding_books else None, run.checklist, out / "figures",
                                lang=settings["lang"])
    if settings["clouds"]:
        images += wordclouds(counts, out / "figures")
        if grouped is not None:
            images += wordclouds(grouped, out / "figures")
    paths += images
    if settings["appendix"]:
        coded = run.frames.get("coded_segments")
        tables = appendix_from(dict(frames, coded_segments=coded), checklist=run.checklist,
                               codebook=run.coding_books[0] if run.coding_books else None, lang=settings["lang"])
        paths += write_appendix(tables, out / "appendix", images=images, lang=settings["lang"])
    return Written(paths, notes)


def write_appendix(tables, folder: Path, *, images: list[Path] = (), lang: str = "nb") -> list[Path]:
    """appendix.xlsx, appendix.docx (with the figures) and appendix.md of the appendix tables."""
    return [EXPORTS["xlsx"].write(tables, folder / "appendix.xlsx", lang=lang),
            EXPORTS["docx"].write(tables, folder / "appendix.docx", images=list(images), lang=lang),
            EXPORTS["md"].write(tables, folder / "appendix.md", lang=lang)]


#: The writer processes of a run, declared with the frames each writes as they are; they run side by
#: side (see engine.forking.concurrently) in any order, and each hands back its notes for the manifest.
WRITERS: tuple[Writer, ...] = (
    Writer("rest", None, _write_rest),
    Writer("largest", _largest_frames, _write_largest),
)


def write_all(corpus: Corpus, out: Path, *, by: str | None = "role", top: int | None = None,
              stopwords=None, clouds: bool = True, figures: bool = True, codebooks: list[Path] = (),
              unit: str = "sentence",
              lang: str = "nb", appendix: bool = True, reference: str | Path | None = None,
              options: dict | None = None, started: float | None = None, key: str | None = None,
              base_key: str | None = None, jobs: int | None = None, suggest: str | Path | None = None) -> dict:
    """Every output of the pipeline, written into ``out`` (no staging: see :func:`run`).

    ``jobs`` (default: the corpus's ``--jobs``, else all cores): with more than one, the
    WRITERS run side by side in forked processes. ``suggest``: the folder of a trained model
    (``casestudy train``) whose suggestions join the coded segments as rows of their own.
    """
    started = started or time.perf_counter()
    out = Path(out)
    loaded = [load_codebook(p) for p in codebooks]  # validate all before writing anything
    coding_books = [c for c in loaded if not is_checklist(c)]
    checklists = [c for c in loaded if is_checklist(c)]
    if reference is not None and not coding_books:
        raise CasestudyError("--reference needs a codebook to compare with (--codebook)")
    frames: dict[str, pd.DataFrame] = {}
    suffixes = ["" if i == 0 else f"_{book.path.stem}" for i, book in enumerate(coding_books)]
    for suffix, codebook in zip(suffixes, coding_books):
        frames[f"coded_segments{suffix}"] = code_corpus(corpus, codebook, unit=unit)
    if checklists:
        frames.update(plancheck_frames(corpus, checklists[0]))
    shared = RunFrames(corpus, out, frames, coding_books, suffixes, checklists[0] if checklists else None,
                       {"by": by, "top": top, "stopwords": stopwords, "clouds": clouds, "figures": figures,
                        "unit": unit, "lang": lang,
                        "appendix": appendix, "reference": reference, "suggest": suggest})
    declared = {writer.name: writer.frames(shared) for writer in WRITERS if writer.frames is not None}
    named = {name for names in declared.values() for name in names}
    remainder = [name for name in frames if name not in named]
    calls = [(lambda w=writer: w.write(shared, declared.get(w.name, remainder))) for writer in WRITERS]
    written: list[Path] = []
    notes: dict = {}
    for result in concurrently(*calls, jobs=jobs or corpus.options.get("jobs")):
        written += result.paths
        notes.update(result.notes)
    data = manifest(corpus, dict(options or {}, by=by, top=top, unit=unit, lang=lang,
                                 reference=str(reference) if reference else None,
                                 **({"suggest": str(suggest)} if suggest is not None else {})), written, out,
                    started, [c.path for c in loaded])
    _finish_manifest(data, notes, key, base_key)
    write_json(data, out / "manifest.json")
    return data


def _finish_manifest(data: dict, notes: dict, key: str | None, base_key: str | None) -> None:
    """Add a run's notes (the agreement summary) and its keys to its manifest."""
    data.pop("agreement", None)
    if notes.get("agreement"):
        data["agreement"] = notes["agreement"]
    if key:
        data["run_key"] = key
    if base_key:
        data["base_key"] = base_key


def depends_on_coding(name: str) -> bool:
    """Whether an output (a path relative to the run folder) changes when only the coding does."""
    return (name.startswith(("coded_segments", "code_matrix", "appendix/", "exchange/"))
            or name in ("agreement.csv", "disagreements.csv", "unaligned.csv")
            or name in {f"figures/{stem}.png" for stem in ("codes_per_case", "codes_per_role", "code_cooccurrence")})


def recode(corpus: Corpus, out: str | Path, *, codebooks: list[Path] = (), by: str | None = "role",
           unit: str = "sentence", lang: str = "nb", reference: str | Path | None = None, figures: bool = True,
           options: dict | None = None, started: float | None = None, key: str | None = None,
           base_key: str | None = None, suggest: str | Path | None = None) -> dict:
    """Rebuild only what depends on the coding in a run folder whose other outputs are current (see
    :meth:`RunPlan.only_coding_changed`): the coded segments, code matrices, agreement, code figures, the
    appendix and the REFI-QDA project. Documents, segments, word counts and clouds, the plan check and
    the plan profiles are kept as they are; coding outputs of the previous run that this one does not
    make are removed. Written through a staging folder like :func:`run`; returns the manifest."""
    started = started or time.perf_counter()
    out = Path(out)
    before = _manifest_of(out)
    if before is None:
        raise CasestudyError(f"{out}: no manifest.json; run the whole pipeline first")
    loaded = [load_codebook(p) for p in codebooks]
    coding_books = [c for c in loaded if not is_checklist(c)]
    checklist = next((c for c in loaded if is_checklist(c)), None)
    if reference is not None and not coding_books:
        raise CasestudyError("--reference needs a codebook to compare with (--codebook)")
    kept = {name: _read_output(out / f"{name}.csv") for name in ("word_counts", "requirements",
                                                                   "requirements_matrix", "plan_profiles")
            if f"{name}.csv" in before.get("outputs", [])}
    with output_lock(out), frozen_objects():  # (the corpus: see run)
        return _recode_locked(corpus, out, before, loaded, coding_books, checklist, kept, by=by, unit=unit,
                              lang=lang, reference=reference, figures=figures, options=options, started=started,
                              key=key, base_key=base_key, suggest=suggest)


def _recode_locked(corpus, out, before, loaded, coding_books, checklist, kept, *, by, unit, lang, reference,
                   figures, options, started, key, base_key, suggest=None) -> dict:
    previous = before.get("outputs", [])
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        # only the coded frames before the writers start: the REFI-QDA project, the longest single output,
        # needs nothing else, so it is written by a process of its own while the other writes the rest
        coded: dict[str, pd.DataFrame] = {}
        for i, book in enumerate(coding_books):
            coded[f"coded_segments{'' if i == 0 else f'_{book.path.stem}'}"] = code_corpus(corpus, book, unit=unit)
        book = coding_books[0] if coding_books else None
        with_appendix = any(name.startswith("appendix/") for name in previous)
        shared = RunFrames(corpus, stage, coded, coding_books, [], checklist, {"appendix": with_appendix,
                                                                               "suggest": suggest})
        notes = {}

        def the_rest() -> list[Path]:
            frames: dict[str, pd.DataFrame] = {}
            units = {name: unit_ids(frame) for name, frame in coded.items()}  # for the matrices and figures
            for (name, frame), codebook in zip(coded.items(), coding_books):
                suffix = name.removeprefix("coded_segments")
                frames.update({f"{k}{suffix}": v for k, v in code_matrices(frame, codebook, by=by, corpus=corpus,
                                                                            units=units[name]).items()})
            if reference is not None:
                found, notes["agreement"] = agreement_frames(reference, coded["coded_segments"], corpus, book,
                                                             unit=unit)
                frames.update(found)
            paths = [write_csv(frame, stage / f"{name}.csv") for name, frame in frames.items()]
            images = write_figures(corpus, {"coded_segments": coded.get("coded_segments")}, book, None,
                                   stage / "figures", lang=lang, units=units.get("coded_segments")) if figures else []
            paths += images
            kept_images = [out / name for name in previous
                           if name.startswith("figures/") and not depends_on_coding(name)]
            if with_appendix:
                tables = appendix_from(dict(kept, **frames, **coded), checklist=checklist, codebook=book, lang=lang)
                paths += write_appendix(tables, stage / "appendix", images=images + kept_images, lang=lang)
            return paths

        def the_project() -> list[Path]:
            if not with_appendix:
                return []
            return write_exchange(corpus, coded.get("coded_segments"), book, stage / "exchange")

        def the_coded_segments() -> list[Path]:  # (with a model's suggestions, --suggest)
            return [write_csv(_with_suggestions(shared, name), stage / f"{name}.csv") for name in coded]

        # three processes, as the work splits into three parts of about the same size
        written = [path for paths in concurrently(the_rest, the_project, the_coded_segments,
                                                  jobs=corpus.options.get("jobs")) for path in paths]
        new = {Path(p).relative_to(stage).as_posix() for p in written}
        stale = [name for name in previous if depends_on_coding(name) and name not in new]
        outputs = sorted(new | {name for name in previous if not depends_on_coding(name)})
        data = dict(before, created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                    seconds=round(time.perf_counter() - started, 2),
                    command=command_line(corpus),
                    options=portable_options(dict(options or {}, by=by, unit=unit, lang=lang,
                                                  reference=str(reference) if reference else None,
                                                  **({"suggest": str(suggest)} if suggest is not None else {})),
                                             out, corpus),
                    codebooks=[{"path": portable_path(c.path, out, corpus), "sha256": file_sha256(c.path)}
                               for c in loaded],
                    outputs=outputs, recoded=True)
        _finish_manifest(data, notes, key, base_key)
        write_json(data, stage / "manifest.json")
        for name in stale:
            (out / name).unlink(missing_ok=True)
        publish(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return data


def _read_output(path: Path) -> pd.DataFrame:
    """A CSV the run wrote, read back for the appendix (text columns kept as text)."""
    return pd.read_csv(path, dtype={"group": str, "lemma": str, "document": str, "case": str}, keep_default_na=False)


#: A figure with a row per case or plan is drawn up to this many rows (a case study's 12–20 municipalities);
#: for a national screening the tables hold the numbers.
MAX_FIGURE_ROWS = 40


def write_figures(corpus: Corpus, frames: dict, codebook: Codebook | None, checklist: Codebook | None,
                  folder: Path, *, lang: str = "nb", units: pd.Series | None = None) -> list[Path]:
    """The figures of a run (PNG, labels in ``lang``): coded units per 1,000 words per case and per role,
    the code co-occurrence heat map, and the § 15-1 matrix as a coloured grid; each where its data exist
    (and, for a figure with a row per case or plan, up to MAX_FIGURE_ROWS rows). ``units``: unit_ids of
    the coded segments, when made already."""
    from .analyses.coding import code_cooccurrence, code_rates, unit_ids, words_per_group
    from .output.appendix import FIGURE_LABELS, STATUS
    from .output.figures import heatmap, requirement_grid

    labels = FIGURE_LABELS[lang]
    per_words = "per 1 000 ord" if lang == "nb" else "per 1,000 words"
    written = []
    coded = frames.get("coded_segments")
    if codebook is not None and coded is not None and not coded.empty:
        names = {c.id: c.label or c.id for c in codebook.flat()}
        units = unit_ids(coded) if units is None else units  # once for the three figures
        for by in ("case", "role"):
            words = words_per_group(corpus, by)  # a row per group: a national corpus's cases are not drawn
            if 0 < len(words) <= MAX_FIGURE_ROWS:
                rates = code_rates(coded, codebook, corpus, by=by, units=units, words=words).rename(columns=names)
                written.append(heatmap(rates, folder / f"codes_per_{by}.png", title=labels[f"codes_per_{by}"],
                                       value_label=per_words))
        both = code_cooccurrence(coded, codebook, units=units).rename(index=names, columns=names)
        if len(both):
            off_diagonal = both.to_numpy() - np.diag(np.diag(both.to_numpy()))
            written.append(heatmap(both, folder / "code_cooccurrence.png", title=labels["code_cooccurrence"],
                                   value_label="enheter" if lang == "nb" else "units", fmt="{:.0f}",
                                   vmax=max(int(off_diagonal.max()), 1)))
    matrix = frames.get("requirements_matrix")
    if matrix is not None and 0 < len(matrix) <= MAX_FIGURE_ROWS:
        names = {c.id: f"{c.id} {c.label}" for c in checklist.codes} if checklist else {}
        written.append(requirement_grid(matrix, folder / "requirements_grid.png", labels=names,
                                        status_names=STATUS[lang], title=labels["requirements_grid"]))
    return written


def write_exchange(corpus: Corpus, coded: pd.DataFrame | None, codebook: Codebook | None, folder: Path) -> list[Path]:
    """project.qdpx and codebook.qdc (REFI-QDA) for NVivo, ATLAS.ti, MAXQDA and QualCoder. The source texts
    that the run folder's previous project holds already are copied from it (see export_qdpx)."""
    if codebook is None or coded is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    from .output.exchange.qdpx import AUTO_USER

    earlier = run_folder(folder.parent) / folder.name / "project.qdpx"
    return [Path(EXPORTS["qdpx"].write(corpus, coded, codebook, folder / "project.qdpx", coder=AUTO_USER,
                                       earlier=earlier if earlier.is_file() else None)),
            Path(EXPORTS["qdc"].write(codebook, folder / "codebook.qdc"))]


def export(corpus: Corpus, fmt: str, path: str | Path, *, codebook: Codebook | None = None,
           checklist: Codebook | None = None, by: str | None = "role", lang: str = "nb",
           unit: str = "sentence") -> Path:
    """Write one export (EXPORTS): the appendix as xlsx/docx/md, or a REFI-QDA project (qdpx) or codebook (qdc)."""
    check_choice("format", fmt, EXPORT_FORMATS)
    path = Path(path)
    target = EXPORTS[fmt]
    if target.source in ("coding", "codebook"):
        if codebook is None:
            raise CasestudyError("a REFI-QDA export needs a codebook (--codebook)")
        if target.source == "codebook":
            return Path(target.write(codebook, path))
        from .output.exchange.qdpx import AUTO_USER

        return Path(target.write(corpus, code_corpus(corpus, codebook, unit=unit), codebook, path, coder=AUTO_USER))
    frames: dict[str, pd.DataFrame] = {}
    if codebook is not None:
        frames.update(coding_frames(corpus, codebook, unit=unit))
    if checklist is not None:
        frames.update(plancheck_frames(corpus, checklist))
    if corpus.subset("plan"):
        frames.update(profile_frames(corpus, frames.get("requirements")))
    frames["word_counts"] = counts = word_counts(corpus, by=by)
    tables = appendix_from(frames, checklist=checklist, codebook=codebook, lang=lang)
    if fmt != "docx":
        return target.write(tables, path, lang=lang)
    with tempfile.TemporaryDirectory() as folder:
        return target.write(tables, path, images=wordclouds(counts, folder), lang=lang)


# --- the review loop ---------------------------------------------------------------------------------------------


def review_export(out: str | Path = "outputs", *, uncertain: int | None = None) -> Path:
    """Write ``out/review/review.xlsx`` from the run in ``out`` (its coded_segments.csv): one row per coded
    unit to accept, reject or recode. Decisions of an earlier sheet there are kept for every unit whose
    suggested codes did not change. ``uncertain``: that many units whose model suggestion (``run --suggest``)
    is closest to probability 0.5 come first, for the next round of coding."""
    from .analyses.review import DECISIONS, carry_decisions, review_units, uncertain_first
    from .output.review_sheet import read_review_sheet, write_review_sheet

    out = Path(out)
    coded_csv = out / "coded_segments.csv"
    if not coded_csv.exists():
        raise CasestudyError(f"{out}: no coded_segments.csv; run casestudy run (or casestudy code) with --out {out} "
                             "first")
    coded = pd.read_csv(coded_csv, dtype={"document": str, "code": str, "text": str, "matched": str,
                                          "label": str, "source": str}, keep_default_na=False,
                        na_values={"page": [""], "turn": [""], "probability": [""]})
    target = out / "review" / "review.xlsx"
    earlier = read_review_sheet(target) if target.exists() else None
    units = carry_decisions(review_units(coded), earlier)
    if uncertain is not None:
        units = uncertain_first(units, uncertain)
    return write_review_sheet(units, target, decisions=DECISIONS)


def review_import(sheet: str | Path, out: str | Path | None = None) -> dict[str, Path]:
    """Read a filled review sheet: ``out/coded_segments_reviewed.csv`` (the reviewed units' codes, rejected
    suggestions kept with the comment) and ``out/review/agreement.csv`` (the tool against the reviewer on
    exactly the reviewed units). ``out`` defaults to the run folder the sheet lies in (OUT/review/)."""
    from .analyses.review import review_agreement, reviewed_coding
    from .output.review_sheet import read_review_sheet

    sheet = Path(sheet)
    if out is None:
        out = sheet.parent.parent if sheet.parent.name == "review" else Path("outputs")
    out = Path(out)
    book = _run_codebook(out)
    reviewed = reviewed_coding(read_review_sheet(sheet), known_codes=None if book is None else set(book.ids),
                               source=str(sheet))
    return {"coded_segments_reviewed": write_csv(reviewed, out / "coded_segments_reviewed.csv"),
            "agreement": write_csv(review_agreement(reviewed, book), out / "review" / "agreement.csv")}


def _run_codebook(out: Path) -> Codebook | None:
    """The codebook a run in ``out`` coded with (its manifest's first coding codebook), if it can be read."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        for entry in data.get("codebooks", []):
            book = load_codebook(resolve_recorded(entry["path"], out))
            if not is_checklist(book):
                return book
    except (OSError, ValueError, KeyError, CasestudyError):
        return None
    return None
