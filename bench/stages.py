"""Where does ``casestudy run`` spend its time? Times each stage of the pipeline separately, unprofiled.

Runs in one process, ``--jobs`` workers for reading, the same steps as ``pipeline.write_all``
(as of this benchmark; adapt when the pipeline changes). Use with the cache of a previous
``bench/run.py`` to time the analysis stages alone, or with an empty ``--cache`` for reading too.

    PYTHONPATH=bench/out/snapshot/src python bench/stages.py bench/corpus --cache bench/out/run/.cache
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

TIMES: dict[str, float] = {}
PEAKS: dict[str, float] = {}


@contextmanager
def timed(name: str):
    started = time.perf_counter()
    yield
    TIMES[name] = time.perf_counter() - started
    PEAKS[name] = _peak_mb()
    print(f"{name:36} {TIMES[name]:8.2f} s   peak RSS so far {PEAKS[name]:6.0f} MB", file=sys.stderr, flush=True)


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--cache", type=Path, default=None, help="cache folder (default: none, read everything)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the times here")
    parser.add_argument("--keep", action="store_true", help="keep the outputs (default: delete them)")
    parser.add_argument("--no-tasks", action="store_true",
                        help="analyse in the main process after reading, not in the reading workers")
    args = parser.parse_args(argv)

    with timed("import casestudy (+spaCy etc.)"):
        import casestudy  # noqa: F401
        from casestudy import pipeline
        from casestudy.analyses import frequency
        from casestudy.analyses.coding import coding_frames
        from casestudy.analyses.plancheck import plancheck_frames
        from casestudy.analyses.profile import profile_frames
        from casestudy.output.figures import wordclouds
        from casestudy.codebook import load_codebook
        from casestudy.output.files import write_csv
        from casestudy.engine.reading import read_corpus
        from casestudy.output.appendix import appendix_tables, write_docx, write_markdown, write_xlsx
    print(f"casestudy from {casestudy.__file__}", file=sys.stderr)
    books = [load_codebook(pipeline.resolve_codebook(n)) for n in pipeline.DEFAULT_RUN_CODEBOOKS]
    tasks = [] if args.no_tasks else pipeline.document_tasks(books)
    with timed("read_corpus" + ("" if args.no_tasks else " (+ coding, check, profile per document)")):
        corpus = read_corpus(args.corpus, jobs=args.jobs, cache=args.cache, tasks=tasks)
    print(f"  {len(corpus.documents)} documents, cache hits {corpus.options.get('cache_hits')}", file=sys.stderr)
    codebook = next(b for b in books if b.extra.get("kind") != "checklist")
    checklist = next(b for b in books if b.extra.get("kind") == "checklist")
    out = Path(tempfile.mkdtemp(prefix="casestudy-stages-"))
    frames = {}
    with timed("write_ingest (documents, segments)"):
        pipeline.write_ingest(corpus, out)
    with timed("word_counts (all + by role)"):
        counts = frequency.word_counts(corpus)
        grouped = frequency.word_counts(corpus, by="role")
    with timed("coding_frames (barnevern)"):
        frames.update(coding_frames(corpus, codebook, by="role"))
    with timed("plancheck_frames (§ 15-1)"):
        frames.update(plancheck_frames(corpus, checklist))
    with timed("profile_frames"):
        frames.update(profile_frames(corpus, frames.get("requirements")))
    with timed("write_csv (all frames)"):
        for name, frame in frames.items():
            write_csv(frame, out / f"{name}.csv")
    with timed("wordclouds"):
        images = wordclouds(counts, out / "figures") + wordclouds(grouped, out / "figures")
    with timed("appendix_tables"):
        tables = appendix_tables(
            requirements_matrix=frames.get("requirements_matrix"), checklist=checklist,
            profiles=frames.get("plan_profiles"), code_matrix=frames.get("code_matrix"), codebook=codebook,
            word_counts=counts, coded=frames.get("coded_segments"), lang="nb")
    with timed("appendix xlsx"):
        write_xlsx(tables, out / "appendix" / "appendix.xlsx")
    with timed("appendix docx"):
        write_docx(tables, out / "appendix" / "appendix.docx", images=images, lang="nb")
    with timed("appendix md"):
        write_markdown(tables, out / "appendix" / "appendix.md", lang="nb")
    with timed("exchange (qdpx, qdc)"):
        pipeline.write_exchange(corpus, frames.get("coded_segments"), codebook, out / "exchange")
    total = sum(v for k, v in TIMES.items())
    print(f"{'total':36} {total:8.2f} s" + (f"   (outputs in {out})" if args.keep else ""), file=sys.stderr)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps({"seconds": TIMES, "peak_rss_mb_after": PEAKS}, indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
