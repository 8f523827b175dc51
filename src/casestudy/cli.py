"""The ``casestudy`` command: thin wrappers over the library, one command per pipeline stage.

Each command reads the corpus with the shared options, calls one library function and
writes exactly the frames it returns. Library errors become one-line messages here.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path

import click
from pandas import NA as pd_na

from . import pipeline
from .analyses import coding, frequency
from .analyses.agreement import agreement_frames
from .analyses.kwic import kwic as keyword_in_context, unknown_code_hint
from .codebook import find_codebook
from .engine.cache import default_cache_folder
from .engine.forking import default_jobs, tune_gc
from .engine.reading import read_corpus
from .errors import CasestudyError
from .output.checks import check_output_folder
from .output.figures import wordclouds
from .output.files import write_csv
from .progress import status
from .sources import supported_names
from .sources.pseudonyms import REASONS
from .text.nb import DEFAULT_INTERVIEWER_LABELS


def corpus_options(fn):
    """Options every command that reads a corpus shares."""
    options = [
        click.option("--cases", type=click.Path(dir_okay=False), help="cases.csv (default: CORPUS/cases.csv)."),
        click.option("--jobs", "-j", type=click.IntRange(1), default=None,
                     help="Worker processes (default: all cores)."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=None,
                     help="Cache folder for processed documents (default: $CASESTUDY_CACHE, else "
                          "~/.cache/casestudy: never inside OUT)."),
        click.option("--no-cache", is_flag=True, help="Process every file again; write no cache."),
        click.option("--interviewer", "interviewer", multiple=True,
                     help="Speaker label that means the interviewer (repeatable; default: Intervjuer, I, …)."),
        click.option("--model", default=None, help="An installed spaCy pipeline to use instead of the built-in nb one."),
        click.option("--limit", multiple=True, metavar="NAME=VALUE", callback=_set_limits, expose_value=False,
                     help="Change a limit on what one file may cost (repeatable): part_mb, ratio, text_mb, pages, "
                          "memory_gb, seconds, total_gb (default: $CASESTUDY_LIMITS, else README's Reliability)."),
        click.option("--silent", is_flag=True, help="No progress bar."),
        click.option("--follow-links", is_flag=True,
                     help="Read files and folders that links in CORPUS point to outside it (default: reported, "
                          "not read)."),
        click.option("--pseudonymise/--no-pseudonymise", default=None,
                     help="Replace every case, file, speaker and listed name in every output (cases.csv "
                          "'pseudonym' and 'names' columns; files not in cases.csv become «Ukjent N»). Default: "
                          "when cases.csv gives pseudonyms. --no-pseudonymise keeps the real names (a private "
                          "working run)."),
        click.option("--names", "names", type=click.Path(dir_okay=False), default=None,
                     help="Names file: further names to replace, one a line, 'name = replacement' to choose the "
                          "replacement (implies --pseudonymise)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _set_limits(ctx, param, settings):
    """--limit: the limits of limits.py for this command, from their defaults and $CASESTUDY_LIMITS."""
    from . import limits
    from .errors import UsageError

    limits.reset()
    ctx.call_on_close(limits.reset)  # a notebook or test that runs a command keeps its own limits after it
    try:
        limits.configure(**limits.parse_settings(settings))
    except UsageError as exc:
        raise click.BadParameter(str(exc).removeprefix("--limit: ")) from None


def out_option(default="outputs"):
    return click.option("--out", "-o", type=click.Path(file_okay=False), default=default, show_default=True,
                        help="Folder to write results into.")


def stopword_option(fn):
    return click.option("--stopwords", type=click.Path(dir_okay=False, exists=True),
                        help="Stop-word file, one word per line (default: the shipped Norwegian list).")(fn)


def handle_errors(fn):
    """Turn library errors into a one-line message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CasestudyError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:  # a full disk, a name too long, a folder made read-only while running
            from .output.checks import os_error_line

            raise click.ClickException(os_error_line(exc)) from None

    return wrapper


def report_written(paths) -> None:
    for path in paths:
        click.echo(f"wrote {path}", err=True)


def load(corpus, cases, jobs, cache_dir, no_cache, interviewer, model, silent, tasks=(), out=None,
         follow_links=False, pseudonymise=None, names=None):
    """Read the corpus with the shared options and report skipped files on stderr; ``tasks`` are the
    per-document analyses the command will need, run by the reading workers. Every command keeps its
    cache in the same folder (see engine.cache.default_cache_folder), and pseudonymises when cases.csv
    gives pseudonyms unless told otherwise (see sources.pseudonyms.decide)."""
    cache = None if no_cache else (cache_dir or default_cache_folder())
    labels = frozenset(interviewer) if interviewer else DEFAULT_INTERVIEWER_LABELS
    result = read_corpus(corpus, cases=cases, interviewer_labels=labels, model=model, jobs=jobs, cache=cache,
                         silent=silent, tasks=tasks, exclude=[out] if out else (), follow_links=follow_links,
                         pseudonymise=pseudonymise, names=names)
    for skip in result.skipped:
        click.echo(f"skipped {skip.document}: {skip.reason}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not result.documents:
        raise CasestudyError(f"{corpus}: no readable {supported_names()} files found")
    result.options.update(jobs=jobs or default_jobs(), cache=str(cache) if cache else None)
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="casestudy")
def main():
    """Case-study analysis of Norwegian prevention plans (PDF) and interview transcripts (DOCX/TXT)."""
    tune_gc()


def unit_option(fn):
    return click.option("--unit", type=click.Choice(coding.UNITS), default="sentence", show_default=True,
                        help="What a coded passage is: a sentence, a paragraph (PDF) / segment, or a speaker turn.")(fn)


@main.command()
@click.argument("corpus", type=click.Path(exists=True), default="corpus")
@out_option()
@click.option("--codebook", "codebooks", multiple=True,
              help="Codebook or checklist YAML (repeatable; default: the shipped barnevern codebook and the "
                   "§ 15-1 checklist).")
@click.option("--no-code", is_flag=True, help="Skip coding.")
@unit_option
@click.option("--by", default="role", show_default=True,
              help="Attribute for grouped word counts and clouds (role, kind, case, region, …); 'none' for one group.")
@click.option("--top", type=click.IntRange(1), default=None, help="Keep the N most frequent lemmas per group.")
@click.option("--no-clouds", is_flag=True, help="Skip the word-cloud images.")
@click.option("--no-figures", is_flag=True, help="Skip the figures (code rates, co-occurrence, § 15-1 grid).")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of the appendix labels.")
@click.option("--reference", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A human coding (CSV, XLSX or .qdpx) to measure the coding against → agreement.csv.")
@click.option("--force", is_flag=True, help="Run even when the outputs are up to date.")
@click.option("--suggest", type=click.Path(exists=True, file_okay=False), default=None,
              help="A model folder from casestudy train: its suggestions are added to coded_segments.csv as rows "
                   "of their own (source 'model', with their probability).")
@stopword_option
@corpus_options
@handle_errors
def run(corpus, out, codebooks, no_code, unit, by, top, no_clouds, no_figures, lang, reference, force, suggest,
        stopwords, **options):
    """Run the whole pipeline on CORPUS and write every result into OUT."""

    started = time.perf_counter()
    check_output_folder(out)  # before any file of the corpus is read: a read-only or full disk stops here
    plan = pipeline.plan_run(corpus, codebooks=codebooks, no_code=no_code, unit=unit, by=by, top=top,
                             clouds=not no_clouds, figures=not no_figures, lang=lang,
                             interviewer=options["interviewer"], suggest=suggest,
                             model=options["model"], cases=options["cases"], stopwords=stopwords, reference=reference,
                             out=out, follow_links=options["follow_links"],
                             pseudonymise=options["pseudonymise"], names=options["names"])
    if not force and plan.up_to_date(out):
        click.echo(f"{out}/ is up to date: inputs, codebooks, options and casestudy are unchanged since its "
                   f"last run (use --force to run again)", err=True)
        return
    if not force and plan.only_coding_changed(out):
        coding = [book for book in plan.codebooks if not pipeline.is_checklist(book)]
        data = load(corpus, **options, out=out, tasks=pipeline.document_tasks(coding, unit=unit, profiles=False,
                                                                                model=options["model"]))
        status(f"Only the coding changed: recoding into {out}/ …", silent=options["silent"])
        result = pipeline.recode(data, out, codebooks=plan.codebook_paths, by=None if by.lower() == "none" else by,
                                 unit=unit, lang=lang, reference=reference, figures=not no_figures,
                                 options=dict(data.options), started=started, key=plan.key,
                                 base_key=plan.base_key, suggest=suggest)
        if result.get("agreement"):
            click.echo(result["agreement"], err=True)
        click.echo(f"{len(data.documents)} documents read, {len(data.skipped)} skipped; only the coding changed: "
                   f"recoded into {out}/ in {result['seconds']:.1f} s (documents, word counts, plan check and "
                   f"profiles kept; --force runs everything){_privacy_note(data)}", err=True)
        return
    data = load(corpus, **options, out=out, tasks=pipeline.document_tasks(plan.codebooks, unit=unit,
                                                                                 model=options["model"]))
    status(f"Writing tables, figures, appendix and REFI-QDA project to {out}/ …", silent=options["silent"])
    by = None if by.lower() == "none" else by
    settings = {k: v for k, v in data.options.items()}
    result = pipeline.run(data, out, by=by, top=top, stopwords=stopwords, clouds=not no_clouds, figures=not no_figures,
                          codebooks=plan.codebook_paths, unit=unit, lang=lang, reference=reference, options=settings,
                          started=started, key=plan.key, base_key=plan.base_key, suggest=suggest)
    if result.get("agreement"):
        click.echo(result["agreement"], err=True)
    n_ok = len(data.documents)
    click.echo(
        f"{n_ok} documents read, {len(data.skipped)} skipped; wrote {len(result['outputs']) + 1} files to {out}/ "
        f"in {result['seconds']:.1f} s{_privacy_note(data)}", err=True,
    )


def _privacy_note(data) -> str:
    """The end of a run's summary line: that the run pseudonymised and why, or that it kept the real names
    although cases.csv gives pseudonyms; nothing for a run that had no pseudonyms to use."""
    why = data.options.get("pseudonymised_reason")
    if data.options.get("pseudonymised"):
        return f"; pseudonymised: {why}"
    return f"; not pseudonymised: {why}" if why == REASONS["told_not"] else ""


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@out_option()
@corpus_options
@handle_errors
def ingest(corpus, out, **options):
    """Read CORPUS and write documents.csv and segments.csv."""
    check_output_folder(out)
    data = load(corpus, **options)
    report_written(pipeline.write_ingest(data, Path(out)))


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@out_option()
@click.option("--by", default=None, help="Group by this attribute (role, kind, case, region, …).")
@click.option("--top", type=click.IntRange(1), default=None, help="Keep the N most frequent lemmas per group.")
@click.option("--include-interviewer", is_flag=True, help="Count interviewer turns too.")
@click.option("--kind", default=None, help="Only documents of this kind (plan, interview).")
@stopword_option
@corpus_options
@handle_errors
def wordcount(corpus, out, by, top, include_interviewer, kind, stopwords, **options):
    """Lemma frequencies per group → OUT/word_counts.csv."""
    check_output_folder(out)
    data = load(corpus, **options)
    counts = frequency.word_counts(data, by=by, top=top, stopwords=stopwords,
                                   include_interviewer=include_interviewer, kind=kind)
    path = write_csv(counts, Path(out) / "word_counts.csv")
    click.echo(f"wrote {path} ({len(counts)} rows)", err=True)


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@out_option()
@click.option("--by", default=None, help="One cloud per value of this attribute (role, kind, case, …).")
@click.option("--max-words", type=click.IntRange(1), default=150, show_default=True)
@click.option("--size", default="1600x900", show_default=True, help="Image size, WIDTHxHEIGHT in pixels.")
@click.option("--include-interviewer", is_flag=True, help="Count interviewer turns too.")
@click.option("--kind", default=None, help="Only documents of this kind (plan, interview).")
@stopword_option
@corpus_options
@handle_errors
def wordcloud(corpus, out, by, max_words, size, include_interviewer, kind, stopwords, **options):
    """Word clouds of lemmas → OUT/wordcloud*.png (one per group)."""
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"expected WIDTHxHEIGHT such as 1600x900, not {size!r}", param_hint="--size")
    check_output_folder(out)
    data = load(corpus, **options)
    counts = frequency.word_counts(data, by=by, stopwords=stopwords, include_interviewer=include_interviewer,
                                   kind=kind)
    report_written(wordclouds(counts, out, max_words=max_words, width=width, height=height))


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--codebook", required=True, help="Codebook YAML (or a shipped name such as 'barnevern').")
@unit_option
@click.option("--by", default=None, help="Also a matrix by this attribute (role, region, size_class, …).")
@out_option()
@corpus_options
@handle_errors
def code(corpus, codebook, unit, by, out, **options):
    """Code CORPUS with a codebook → coded_segments.csv and code_matrix.csv."""
    check_output_folder(out)
    book = find_codebook(codebook)
    data = load(corpus, **options, tasks=pipeline.document_tasks([book], unit=unit, profiles=False,
                                                                          model=options["model"]))
    report_written(pipeline.write_coding(data, book, Path(out), unit=unit, by=by))


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@click.argument("pattern")
@click.option("--codebook", default=None, help="Codebook in which PATTERN may be a code id.")
@click.option("--window", type=click.IntRange(0), default=8, show_default=True, help="Words of context each side.")
@click.option("--include-interviewer", is_flag=True, help="Search interviewer turns too.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None,
              help="Write the lines to this CSV instead of printing them.")
@corpus_options
@handle_errors
def kwic(corpus, pattern, codebook, window, include_interviewer, csv_path, **options):
    """Keyword in context: every match of PATTERN (lemma pattern, * globs) or of a code id."""
    book = find_codebook(codebook) if codebook else None
    data = load(corpus, **options)
    frame = keyword_in_context(data, pattern, codebook=book, window=window, include_interviewer=include_interviewer)
    if csv_path:
        write_csv(frame, csv_path)
        click.echo(f"wrote {csv_path} ({len(frame)} lines)", err=True)
        return
    for row in frame.itertuples():
        where = f"tur {row.turn}" if row.page is None or row.page is pd_na else f"s. {row.page}"
        click.echo(f"{row.document} ({where}): {row.left[-60:]:>60} [{row.match}] {row.right[:60]}")
    click.echo(f"{len(frame)} matches", err=True)
    hint = unknown_code_hint(pattern, book) if frame.empty else None
    if hint:
        click.echo(f"hint: {hint}", err=True)


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--codebook", default=None, help="Codebook whose codes get co-occurring term candidates.")
@click.option("--by", default="kind", show_default=True, help="Groups compared for keyness (kind, role, case, …).")
@click.option("--topics", "n_topics", type=click.IntRange(0), default=8, show_default=True, help="NMF topics.")
@click.option("--top", type=click.IntRange(1), default=15, show_default=True, help="Key terms per group.")
@click.option("--write", "write_path", type=click.Path(dir_okay=False), default=None,
              help="Write a NEW codebook with the candidates added as inductive codes (never the input file).")
@click.option("--select", default=None, help="Comma-separated candidate ids to add with --write (default: the top "
                                                "--max, taken in turn from each source).")
@click.option("--max", "max_codes", type=click.IntRange(1), default=20, show_default=True,
              help="How many candidates --write adds when --select is not given.")
@out_option()
@stopword_option
@corpus_options
@handle_errors
def discover(corpus, codebook, by, n_topics, top, write_path, select, max_codes, out, stopwords, **options):
    """Inductive candidates (keyness, topics, co-occurrence) → OUT/candidate_codes.csv."""
    from .analyses.discover import add_candidates, discover as find_candidates

    book = find_codebook(codebook) if codebook else None
    if write_path and book and Path(write_path).resolve() == Path(book.path).resolve():
        raise CasestudyError(f"{write_path}: --write must name a new file, not the input codebook")
    check_output_folder(out)
    if write_path:
        check_output_folder(Path(write_path).parent)
    data = load(corpus, **options)
    frame = find_candidates(data, codebook=book, by=by, n_topics=n_topics, top=top, stopwords=stopwords)
    path = write_csv(frame, Path(out) / "candidate_codes.csv")
    click.echo(f"wrote {path} ({len(frame)} candidates)", err=True)
    if write_path:
        from .codebook import Codebook

        base = book or Codebook(name="Induktive koder")
        chosen = [c.strip() for c in select.split(",")] if select else None
        written = add_candidates(base, frame, chosen, max_codes=max_codes)
        written.save(write_path)
        added = len(written.flat()) - len(base.flat()) - (0 if "inductive" in base else 1)
        click.echo(f"wrote {write_path} ({added} candidates added as inductive codes: review each)", err=True)


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--checklist", default="krav_15-1", show_default=True,
              help="Checklist YAML (a codebook with 'kind: checklist'), or a shipped name.")
@out_option()
@corpus_options
@handle_errors
def requirements(corpus, checklist, out, **options):
    """Check each plan against a checklist → requirements.csv, requirements_matrix.csv, requirements_evidence.csv."""
    check_output_folder(out)
    book = find_codebook(checklist)
    if book.extra.get("kind") != "checklist":
        raise CasestudyError(f"{checklist}: not a checklist (the file needs 'kind: checklist')")
    data = load(corpus, **options, tasks=pipeline.document_tasks([book], profiles=False, model=options["model"]))
    report_written(pipeline.write_requirements(data, book, Path(out)))


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@out_option()
@corpus_options
@handle_errors
def profile(corpus, out, **options):
    """Profile each plan → plan_profiles.csv (+ evidence), plan_similarity.csv, plan_comparison.csv."""
    check_output_folder(out)
    data = load(corpus, **options, tasks=pipeline.document_tasks([], model=options["model"]))
    report_written(pipeline.write_profiles(data, Path(out)))


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(pipeline.EXPORT_FORMATS), required=True,
              help="xlsx, docx or md: the appendix tables; qdpx: a REFI-QDA project; qdc: a REFI-QDA codebook.")
@click.option("--out", "-o", "path", type=click.Path(dir_okay=False), required=True, help="File to write.")
@click.option("--codebook", default="barnevern", show_default=True, help="Codebook for coding and REFI-QDA.")
@click.option("--checklist", default="krav_15-1", show_default=True, help="Checklist for the requirement table.")
@click.option("--by", default="role", show_default=True, help="Groups of the word table.")
@click.option("--lang", type=click.Choice(["nb", "en"]), default="nb", show_default=True,
              help="Language of the labels.")
@unit_option
@corpus_options
@handle_errors
def export(corpus, fmt, path, codebook, checklist, by, lang, unit, **options):
    """Export the appendix (XLSX, DOCX, Markdown) or a REFI-QDA project/codebook for NVivo, ATLAS.ti, MAXQDA,
    QualCoder."""
    book = find_codebook(codebook) if codebook else None
    check = find_codebook(checklist) if checklist and fmt not in ("qdpx", "qdc") else None
    check_output_folder(Path(path).parent)
    data = load(corpus, **options)
    written = pipeline.export(data, fmt, path, codebook=book, checklist=check, by=by, lang=lang, unit=unit)
    click.echo(f"wrote {written}", err=True)


def _split(values) -> list[str] | None:
    items = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return items or None


@main.command()
@click.argument("human", type=click.Path(exists=True, dir_okay=False))
@click.argument("auto", type=click.Path(exists=True))
@click.option("--codebook", default="barnevern", show_default=True,
              help="Codebook of the automatic coding (used to code AUTO when it is a corpus folder).")
@click.option("--corpus", "corpus_path", type=click.Path(exists=True, file_okay=False), default=None,
              help="The corpus, when AUTO is a coded_segments.csv (default: the corpus in its manifest.json).")
@unit_option
@click.option("--codes", multiple=True, help="Only these codes (comma-separated or repeated).")
@click.option("--documents", multiple=True, help="Only these documents (comma-separated or repeated).")
@click.option("--count-uncoded", is_flag=True,
              help="Count units that neither coder coded (raises agreement; off by default).")
@click.option("--scope", type=click.Choice(["reviewed", "documents"]), default="reviewed", show_default=True,
              help="reviewed: only the units HUMAN locates (coded, or left uncoded on purpose) and documents it "
                   "names whole; documents: every document HUMAN has a row for counts whole (a full coding).")
@click.option("--coder", default=None, help="The human coder to compare with when HUMAN has several.")
@out_option()
@corpus_options
@handle_errors
def agreement(human, auto, codebook, corpus_path, unit, codes, documents, count_uncoded, scope, coder, out,
              **options):
    """Agreement of the automatic coding (AUTO: a corpus folder or a coded_segments.csv) with a human coding
    (HUMAN: CSV, XLSX or .qdpx) → agreement.csv (κ, α, precision/recall per code), disagreements.csv,
    unaligned.csv."""
    book = find_codebook(codebook)
    check_output_folder(out)
    if Path(auto).is_dir():
        data = load(auto, **options)
        coded = coding.code_corpus(data, book, unit=unit)
    else:
        coded, found_corpus = pipeline.coded_from_run(auto) if corpus_path is None else (None, corpus_path)
        data = load(corpus_path or found_corpus, **options)
        if coded is None:
            import pandas as pd

            coded = pd.read_csv(auto, dtype={"code": str, "document": str})
    frames, summary = agreement_frames(
        human, coded, data, book, unit=unit, codes=_split(codes), documents=_split(documents),
        count_uncoded=count_uncoded, reference=coder, scope=scope,
    )
    for name, frame in frames.items():
        click.echo(f"wrote {write_csv(frame, Path(out) / f'{name}.csv')}", err=True)
    click.echo(summary)


@main.command()
@click.argument("human", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.argument("corpus", type=click.Path(exists=True))
@click.option("--codebook", default="barnevern", show_default=True,
              help="The codebook the human coded with (its patterns are features and the baseline).")
@click.option("--out", "-o", type=click.Path(file_okay=False), default="model", show_default=True,
              help="Folder to write the model (model.json, weights.npz) and evaluation.csv into.")
@click.option("--min-examples", type=click.IntRange(1), default=10, show_default=True,
              help="A code gets a classifier when the human coded at least this many units with it.")
@unit_option
@click.option("--scope", type=click.Choice(["reviewed", "documents"]), default=None,
              help="documents: every unit of a document HUMAN has a row for was looked at (uncoded units are "
                   "examples of no code); reviewed: only the units its rows locate (default: reviewed for a "
                   "review sheet, else documents).")
@click.option("--coder", default=None, help="The human coder to learn from when HUMAN has several.")
@corpus_options
@handle_errors
def train(human, corpus, codebook, out, min_examples, unit, scope, coder, **options):
    """Learn to suggest codes from a human coding of CORPUS (HUMAN: a filled review sheet, CSV, XLSX or .qdpx;
    several: a unit in more than one gets the last one's codes) → OUT/model.json, weights.npz,
    evaluation.csv; prints the evaluation (grouped by document) per code."""
    from .analyses.learn import evaluation_table, train_coder

    book = find_codebook(codebook)
    check_output_folder(out)
    data = load(corpus, **options)
    started = time.perf_counter()
    model = train_coder(list(human), book, corpus=data, unit=unit, scope=scope, coder=coder,
                        min_examples=min_examples)
    for warning in model.warnings:
        click.echo(f"warning: {warning}", err=True)
    model.save(out)
    table = evaluation_table(model.evaluation)
    click.echo("Against the human coding, cross-validated by document (no document both trained and tested on): "
               "cb the codebook alone, clf the classifier, both combined; P precision, R recall, κ Cohen's kappa")
    click.echo(table.to_string(float_format=lambda v: f"{v:.2f}", na_rep="–"))
    chosen = [c for c, use in zip(model.codes, model.suggested) if use]
    click.echo(f"suggested: {', '.join(chosen) if chosen else 'none'} (the codes where codebook + classifier beat "
               "the codebook alone in F1)")
    click.echo(f"wrote {Path(out)}/ (model.json, weights.npz, evaluation.csv) in {time.perf_counter() - started:.1f} s; "
               f"use it with: casestudy run {corpus} --suggest {out}", err=True)


@main.group(name="review")
def review_group():
    """Review the auto-coding in a spreadsheet: export a sheet, mark decisions, import it."""


@review_group.command("export")
@click.argument("out", type=click.Path(file_okay=False), default="outputs")
@click.option("--uncertain", type=click.IntRange(0), default=None,
              help="Put first the N units whose model suggestion (run --suggest) is closest to probability 0.5: "
                   "the ones to code next.")
@handle_errors
def review_export(out, uncertain):
    """Write OUT/review/review.xlsx from the run in OUT: one row per coded unit with a decision drop-down
    (accept / reject / other code); earlier decisions are kept for units whose codes did not change."""
    path = pipeline.review_export(out, uncertain=uncertain)
    click.echo(f"wrote {path}", err=True)


@review_group.command("import")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "-o", type=click.Path(file_okay=False), default=None,
              help="Run folder to write into (default: the folder the sheet's review/ folder is in).")
@handle_errors
def review_import(sheet, out):
    """Read a filled review sheet → OUT/coded_segments_reviewed.csv (the reviewed coding) and
    OUT/review/agreement.csv (the tool against you on exactly the units you reviewed)."""
    written = pipeline.review_import(sheet, out)
    for path in written.values():
        click.echo(f"wrote {path}", err=True)
    import pandas as pd

    table = pd.read_csv(written["agreement"])
    if len(table):
        overall = table.iloc[-1]
        click.echo(f"{int(overall['units'])} reviewed units; the tool's codes: precision {overall['precision']:.2f}, "
                   f"recall {overall['recall']:.2f}, pooled κ {overall['kappa']:.2f}")
    else:
        click.echo("no reviewed units: fill the decision column first")


@main.group(name="codebook")
def codebook_group():
    """Validate, show or export a codebook."""


@codebook_group.command("validate")
@click.argument("path")
@handle_errors
def codebook_validate(path):
    """Check a codebook or checklist: exit 0 and a summary when valid, a one-line error otherwise."""
    book = find_codebook(path)
    n = len(book.flat())
    with_patterns = sum(1 for c in book.flat() if c.patterns or c.regex)
    click.echo(f"{path}: valid, {n} codes ({with_patterns} with patterns)")


@codebook_group.command("show")
@click.argument("path")
@handle_errors
def codebook_show(path):
    """Print the code tree with labels and pattern counts."""
    book = find_codebook(path)
    depth = {}
    parents = book.parents()
    for code_ in book.flat():
        depth[code_.id] = 0 if parents[code_.id] is None else depth[parents[code_.id]] + 1
        click.echo(f"{'  ' * depth[code_.id]}{code_.id}  {code_.label}  [{code_.origin}, {len(code_.patterns)} patterns]")


@codebook_group.command("export")
@click.argument("path")
@click.option("--format", "fmt", type=click.Choice(["yaml", "csv", "qdc"]), default="yaml", show_default=True,
              help="yaml: normalised YAML; csv: one row per code; qdc: REFI-QDA codebook for QDA programs.")
@click.option("--out", "-o", type=click.Path(dir_okay=False), required=True, help="File to write.")
@handle_errors
def codebook_export(path, fmt, out):
    """Write the codebook as normalised YAML, a CSV table (one row per code) or a REFI-QDA .qdc file."""
    book = find_codebook(path)
    if Path(out).resolve() == Path(book.path).resolve():
        raise CasestudyError(f"{out}: will not overwrite the codebook being exported; choose another file")
    if fmt == "yaml":
        book.save(out)
    elif fmt == "qdc":
        from .output.exchange import export_qdc

        export_qdc(book, out)
    else:
        write_csv(pipeline.codebook_table(book), out)
    click.echo(f"wrote {out}", err=True)


@codebook_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "-o", type=click.Path(dir_okay=False), required=True, help="YAML codebook to write.")
@click.option("--like", default=None,
              help="Codebook the codes came from: matching codes keep its ids and patterns.")
@click.option("--origin", type=click.Choice(["deductive", "inductive"]), default="inductive", show_default=True,
              help="Origin given to codes that are new.")
@handle_errors
def codebook_import(path, out, like, origin):
    """Read a REFI-QDA codebook (.qdc, or the codebook of a .qdpx project) from NVivo, ATLAS.ti, MAXQDA or
    QualCoder into a YAML codebook."""
    from .output.exchange import import_qdc, import_qdpx

    if Path(out).exists() and like and Path(out).resolve() == pipeline.resolve_codebook(like).resolve():
        raise CasestudyError(f"{out}: will not overwrite the codebook given with --like; choose another file")
    base = find_codebook(like) if like else None
    if str(path).lower().endswith(".qdpx"):
        _, book = import_qdpx(path, codebook=base, origin=origin)
    else:
        book = import_qdc(path, codebook=base, origin=origin)
    book.save(out)
    click.echo(f"wrote {out} ({len(book.flat())} codes)", err=True)


def _terminate(signum, frame):
    """SIGTERM ends the run like Ctrl-C: clean-up code runs and previous outputs stay intact."""
    raise KeyboardInterrupt


def entry_point():
    """The console script: installs the SIGTERM handler, then runs the click group.

    When the command is done, the process ends without the interpreter's teardown, which
    would free every object one by one (long after a national run): every output is
    written, closed and renamed into place by then, and the workers have been joined.
    """
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    try:
        main()
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise  # a message to print: let Python do it
        code = done.code or 0
    else:  # pragma: no cover - click's main always exits
        code = 0
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said there
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(entry_point())
