"""The ``casestudy`` command: thin wrappers over the library, one command per pipeline stage.

Each command reads the corpus with the shared options, calls one library function and
writes exactly the frames it returns. Library errors become one-line messages here.
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from . import frequency, pipeline
from .errors import CasestudyError
from .outputs import write_csv
from .process import default_jobs, read_corpus
from .readers import DEFAULT_INTERVIEWER_LABELS


def corpus_options(fn):
    """Options every command that reads a corpus shares."""
    options = [
        click.option("--cases", type=click.Path(dir_okay=False), help="cases.csv (default: CORPUS/cases.csv)."),
        click.option("--jobs", "-j", type=click.IntRange(1), default=None,
                     help="Worker processes (default: all cores)."),
        click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=None,
                     help="Cache folder for processed documents (default: OUT/.cache)."),
        click.option("--no-cache", is_flag=True, help="Process every file again; write no cache."),
        click.option("--interviewer", "interviewer", multiple=True,
                     help="Speaker label that means the interviewer (repeatable; default: Intervjuer, I, …)."),
        click.option("--model", default=None, help="An installed spaCy pipeline to use instead of the built-in nb one."),
        click.option("--silent", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


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

    return wrapper


def load(corpus, out, cases, jobs, cache_dir, no_cache, interviewer, model, silent):
    """Read the corpus with the shared options and report skipped files on stderr."""
    cache = None if no_cache else (cache_dir or Path(out or "outputs") / ".cache")
    labels = frozenset(interviewer) if interviewer else DEFAULT_INTERVIEWER_LABELS
    result = read_corpus(corpus, cases=cases, interviewer_labels=labels, model=model, jobs=jobs, cache=cache,
                         silent=silent)
    for skip in result.skipped:
        click.echo(f"skipped {skip.document}: {skip.reason}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not result.documents:
        raise CasestudyError(f"{corpus}: no readable PDF, DOCX or TXT files found")
    result.options.update(jobs=jobs or default_jobs(), cache=str(cache) if cache else None)
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="casestudy")
def main():
    """Case-study analysis of Norwegian prevention plans (PDF) and interview transcripts (DOCX/TXT)."""


@main.command()
@click.argument("corpus", type=click.Path(exists=True), default="corpus")
@out_option()
@click.option("--by", default="role", show_default=True,
              help="Attribute for grouped word counts and clouds (role, kind, case, region, …); 'none' for one group.")
@click.option("--top", type=click.IntRange(1), default=None, help="Keep the N most frequent lemmas per group.")
@click.option("--no-clouds", is_flag=True, help="Skip the word-cloud images.")
@stopword_option
@corpus_options
@handle_errors
def run(corpus, out, by, top, no_clouds, stopwords, **options):
    """Run the whole pipeline on CORPUS and write every result into OUT."""
    started = time.perf_counter()
    data = load(corpus, out, **options)
    by = None if by.lower() == "none" else by
    settings = {k: v for k, v in data.options.items()}
    result = pipeline.run(data, out, by=by, top=top, stopwords=stopwords, clouds=not no_clouds,
                          options=settings, started=started)
    n_ok = len(data.documents)
    click.echo(
        f"{n_ok} documents read, {len(data.skipped)} skipped; wrote {len(result['outputs']) + 1} files to {out}/ "
        f"in {result['seconds']:.1f} s", err=True,
    )


@main.command()
@click.argument("corpus", type=click.Path(exists=True))
@out_option()
@corpus_options
@handle_errors
def ingest(corpus, out, **options):
    """Read CORPUS and write documents.csv and segments.csv."""
    data = load(corpus, out, **options)
    for path in pipeline.write_ingest(data, Path(out)):
        click.echo(f"wrote {path}", err=True)


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
    data = load(corpus, out, **options)
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
    data = load(corpus, out, **options)
    counts = frequency.word_counts(data, by=by, stopwords=stopwords, include_interviewer=include_interviewer,
                                   kind=kind)
    for path in frequency.wordclouds(counts, out, max_words=max_words, width=width, height=height):
        click.echo(f"wrote {path}", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
