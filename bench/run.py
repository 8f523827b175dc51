"""Benchmark ``casestudy run`` against bare PDFium and a hand-written pdfplumber + spaCy baseline, in one process.

Stages, all on the same corpus:

  (a) floor: bare PDFium text of every plan page (``get_textpage().get_text_range()``);
  (b) baseline: what a researcher would script by hand: per-page pdfplumber ``extract_text()``,
      spaCy ``blank("nb")`` tokens and a simplemma lemma per token (no cache, no parallelism), over the
      plans, plus python-docx paragraphs through the same pipeline for the interviews; on a large corpus
      the plans are timed on a sample and extrapolated linearly by pages (the output says so);
  (c) ``casestudy run CORPUS --out OUT`` end to end as a subprocess (default jobs = all cores, empty cache);
  (d) the same command again with unchanged inputs (warm cache; the run finds its outputs up to date),
  (e) the same command with --force (every analysis stage again, documents from the cache);
  (f) the same command after a codebook edit (the coding is redone in place);
  (g) a coder trained on 5,000 units of a simulated team's coding (``train_coder`` timed in this
      process), then (e) without and with ``--suggest`` that model, in turn, ``--repeat`` times each:
      what suggesting adds to a run (target ≤ 10 %).

On a shared machine the speed itself changes from minute to minute (up to 2×), so (a), (c) and (b)
run ``--repeat`` times, interleaved, and each stage keeps its fastest run (all runs are in the
results); (d) and (e) follow the last (c).

Prints a table (wall s, pages/s, tokens/s, peak memory) and the ratios c/a, b/c, d/c; writes
``bench/results.json``. Tokens are the tokens casestudy counted (sum of ``tokens`` in OUT/documents.csv);
for (a), which reads only the plans, the plans' tokens.

Peak memory: for in-process stages the process's high-water mark (VmHWM, reset before each stage);
for (c)/(d) the peak of the summed RSS of the whole process tree, sampled every 50 ms from /proc, and
the largest single process's high-water mark (VmHWM, read at the same samples).

Usage::

    python bench/run.py [--corpus bench/corpus] [--out bench/out] [--results bench/results.json]
                        [--baseline-sample K | --baseline-full | --no-baseline] [--jobs N] [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {"c_over_a_max": 3.0, "b_over_c_min": 30.0, "d_over_c_max": 0.10, "f_over_c_max": 0.15, "peak_mb_max": 2048,
           "suggest_added_max": 0.10}

# --------------------------------------------------------------------------- memory


def _status_kb(pid: int | str, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def reset_peak() -> bool:
    """Reset this process's VmHWM (Linux ≥ 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def self_peak_mb() -> float:
    kb = _status_kb("self", "VmHWM")
    if not kb:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for tid in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{tid}/children") as handle:
                    stack.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return found


def _pss_kb(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each (Linux ≥ 4.14)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak of the summed VmRSS of a process and its descendants, sampled every ``interval`` s, the
    peak of their summed PSS, and the largest high-water mark (VmHWM) of any one of them. RSS counts
    a page shared by forked processes in each of them, so its sum overstates the memory a run takes
    while it forks; PSS counts such a page once in total. (VmHWM, not ``wait4``'s maxrss: a child
    started from this process inherits this process's peak in maxrss, and this one holds (b)'s.)"""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.peak_processes = 0
        self.max_process_kb = 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            pids = _descendants(self.pid)
            total = sum(_status_kb(p, "VmRSS") for p in pids)
            if total > self.peak_kb:
                self.peak_kb, self.peak_processes = total, len(pids)
            self.peak_pss_kb = max(self.peak_pss_kb, sum(_pss_kb(p) for p in pids))
            self.max_process_kb = max([self.max_process_kb] + [_status_kb(p, "VmHWM") for p in pids])
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


# --------------------------------------------------------------------------- stages


def files_of(corpus: Path) -> tuple[list[Path], list[Path]]:
    plans = sorted((corpus / "plans").glob("*.pdf"))
    interviews = sorted((corpus / "interviews").glob("*.docx"))
    return plans, interviews


def warm_os_cache(paths: list[Path]) -> int:
    """Read every file once so all stages start with the same (warm) page cache."""
    total = 0
    for path in paths:
        total += len(path.read_bytes())
    return total


def cpu_check() -> float:
    """Seconds a fixed pure-Python loop takes now: how fast the (shared, noisy) machine runs at the moment.
    Recorded before each stage, so a ratio between stages can be read against the machine's speed."""
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i
    return time.process_time() - started


def stage_a(plans: list[Path]) -> dict:
    """Bare PDFium: text of every page, nothing else."""
    import pypdfium2 as pdfium

    reset_peak()
    pages = chars = 0
    started = time.perf_counter()
    for path in plans:
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "pages": pages, "chars": chars, "peak_mb": self_peak_mb()}


def stage_a_docx(interviews: list[Path]) -> dict:
    """For reference: bare python-docx paragraph text of the interviews (not part of the ratios)."""
    import docx

    started = time.perf_counter()
    chars = 0
    for path in interviews:
        chars += sum(len(p.text) for p in docx.Document(str(path)).paragraphs)
    return {"seconds": time.perf_counter() - started, "files": len(interviews), "chars": chars}


def sample_evenly(items: list, k: int) -> list:
    if k >= len(items):
        return list(items)
    return [items[int(i * len(items) / k)] for i in range(k)]


def stage_b(plans: list[Path], interviews: list[Path], sample: int | None, total_pages: int) -> dict:
    """pdfplumber per page + spaCy blank('nb') + simplemma per token; plans sampled and extrapolated by pages."""
    import docx
    import pdfplumber
    import simplemma
    import spacy

    reset_peak()
    started_setup = time.perf_counter()
    nlp = spacy.blank("nb")
    setup = time.perf_counter() - started_setup
    chosen = plans if sample is None else sample_evenly(plans, sample)
    pages = tokens = 0
    started = time.perf_counter()
    for path in chosen:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                text = page.extract_text() or ""
                doc = nlp(text)
                lemmas = [simplemma.lemmatize(token.text, lang="nb") for token in doc]
                tokens += len(lemmas)
                pages += 1
    plan_seconds = time.perf_counter() - started
    started = time.perf_counter()
    interview_tokens = 0
    for path in interviews:
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        doc = nlp(text)
        lemmas = [simplemma.lemmatize(token.text, lang="nb") for token in doc]
        interview_tokens += len(lemmas)
    interview_seconds = time.perf_counter() - started
    extrapolated = sample is not None and len(chosen) < len(plans)
    plan_seconds_full = plan_seconds * total_pages / pages if extrapolated and pages else plan_seconds
    return {
        "seconds": setup + plan_seconds_full + interview_seconds,
        "extrapolated": extrapolated,
        "sample_plans": len(chosen), "sample_pages": pages, "sample_seconds": plan_seconds,
        "plan_seconds": plan_seconds_full, "interview_seconds": interview_seconds, "setup_seconds": setup,
        "baseline_tokens_sample": tokens, "baseline_tokens_interviews": interview_tokens,
        "seconds_per_page": plan_seconds / pages if pages else None,
        "peak_mb": self_peak_mb(), "peak_note": "measured on the timed sample, not extrapolated" if extrapolated else "",
    }


def casestudy_command(corpus: Path, out: Path, jobs: int | None, extra: list[str] = ()) -> list[str]:
    exe = Path(sys.executable).parent / "casestudy"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "casestudy.cli"]
    command += ["run", str(corpus), "--out", str(out), "--cache", str(out / ".cache")]  # emptied with OUT for (c)
    if jobs:
        command += ["--jobs", str(jobs)]
    return command + list(extra)


def snapshot_source(dest: Path) -> tuple[dict, str]:
    """Copy src/casestudy and codebooks/ to ``dest``; return (environment that imports the copy, its hash).

    The cache key hashes casestudy's reader/NLP source, so an edit to src/ between runs (c) and (d) — other
    work in the same checkout — would make (d) a cold run. Both runs use the same frozen copy instead.
    """
    shutil.rmtree(dest, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src" / "casestudy", dest / "src" / "casestudy", ignore=ignore)
    if (ROOT / "codebooks").is_dir():
        shutil.copytree(ROOT / "codebooks", dest / "codebooks", ignore=ignore)
    digest = hashlib.sha256()
    for path in sorted(dest.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(dest).as_posix().encode())
            digest.update(path.read_bytes())
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dest / "src"), env.get("PYTHONPATH")]))
    return env, digest.hexdigest()[:16]


def stage_casestudy(command: list[str], log: Path, env: dict | None = None) -> dict:
    """One ``casestudy run`` as a subprocess: wall time, peak tree RSS (sampled), max single-process RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as handle:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"casestudy failed (exit {proc.returncode}): {' '.join(command)}\n{tail}")
    return {
        "seconds": seconds,
        "peak_mb": sampler.peak_kb / 1024,
        "peak_pss_mb": sampler.peak_pss_kb / 1024,
        "peak_processes": sampler.peak_processes,
        "max_process_mb": sampler.max_process_kb / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


#: The simulated team's coding for stage (g): the codebook's codes, and cooperation too where a sentence speaks of
#: meeting or working together in words the codebook's patterns lack (as in tests/test_learn.py).
TOGETHER = r"\b(?:møter|møtes|møte|team|teamet|hverandre|felles|sammen)\b"


def stage_train(corpus: Path, plans: list[Path], interviews: list[Path], work: Path, units_wanted: int = 5000) -> dict:
    """Train a coder on ``units_wanted`` units of the corpus (interviews first, whole documents, in name order) as
    a team's coding simulated from the codebook; time ``train_coder`` alone (in this process, the checkout's
    casestudy). The model is saved in ``work/model`` with every trained code suggested (the most work
    ``--suggest`` can be given)."""
    import re

    import pandas as pd

    import casestudy as cs
    from casestudy.analyses.learn import units_from_coding

    book = cs.find_codebook(ROOT / "codebooks" / "barnevern.yaml")
    chosen = work / "train_corpus"
    shutil.rmtree(chosen, ignore_errors=True)
    for path in sorted(interviews) + sorted(plans):  # a document at a time until there are units enough
        target = chosen / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        read = cs.read_corpus(chosen, cache=None, jobs=1, silent=True)
        every = pd.DataFrame({"document": [d.id for d in read.documents], "code": "", "text": ""})
        units = units_from_coding(every, read, book)
        if len(units) >= units_wanted and units["document"].nunique() >= 2:
            break
    units = units.head(units_wanted).reset_index(drop=True)
    found = cs.code_texts(list(units["text"]), book, kinds=list(units["kind"]))
    together = units["text"].str.contains(re.compile(TOGETHER, re.IGNORECASE))
    units["codes"] = [";".join(sorted(codes | ({"cooperation"} if more else set())))
                      for codes, more in zip(found, together)]
    started, cpu = time.perf_counter(), time.process_time()
    model = cs.train_coder(units, book, min_examples=10)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    model.suggested = [True] * len(model.codes)
    model.save(work / "model")
    micro = model.evaluation[model.evaluation["code"] == "micro"].set_index("method")["f1"].to_dict()
    return {"seconds": seconds, "cpu_seconds": cpu, "units": len(units), "documents": int(units["document"].nunique()),
            "codes": len(model.codes), "micro_f1": micro, "model": str(work / "model")}


def documents_tokens(out: Path) -> tuple[int, int, int, int]:
    """(all tokens, plan tokens, documents ok, pages) from OUT/documents.csv."""
    total = plans = ok = pages = 0
    with open(out / "documents.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("status", "ok") != "ok":
                continue
            ok += 1
            n = int(row["tokens"] or 0)
            total += n
            if row.get("kind") == "plan":
                plans += n
                pages += int(row["pages"] or 0)
    return total, plans, ok, pages


def output_digests(out: Path) -> dict[str, str]:
    """Hash per output file, to compare run (c) with (d): the manifest (times) and the cache are left out, and
    of a DOCX/XLSX only the zip members other than docProps/ (which hold the creation time) count."""
    import zipfile

    digests = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if not path.is_file() or rel.startswith(".cache") or rel == "manifest.json":
            continue
        digest = hashlib.sha256()
        if path.suffix.lower() in (".docx", ".xlsx", ".qdpx"):
            try:
                with zipfile.ZipFile(path) as archive:
                    for name in sorted(archive.namelist()):
                        if not name.startswith("docProps/"):
                            digest.update(name.encode())
                            digest.update(archive.read(name))
            except zipfile.BadZipFile:
                digest.update(path.read_bytes())
        else:
            digest.update(path.read_bytes())
        digests[rel] = digest.hexdigest()
    return digests


def cache_hits(out: Path) -> int | None:
    try:
        return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["options"].get("cache_hits")
    except (OSError, KeyError, ValueError):
        return None


# --------------------------------------------------------------------------- report


def machine() -> dict:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": model, "memory_gb": round(mem_kb / 1024 ** 2, 1), "python": platform.python_version(),
        "platform": platform.platform(), "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def git_head() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def fastest(runs: list[dict], *, in_process: bool = False) -> dict | None:
    """The fastest of a stage's runs, with every run's time and speed check, and the highest peak memory
    of them all; for a stage timed in this process, the first run's peak (later ones start from what
    the stages before them left in this process's memory)."""
    if not runs:
        return None
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best.update(runs=len(runs), seconds_all=[run["seconds"] for run in runs],
                cpu_check_all=[run["cpu_check_s"] for run in runs],
                peak_mb=runs[0]["peak_mb"] if in_process else max(run["peak_mb"] for run in runs))
    return best


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus",
                        help="corpus folder (default bench/corpus; generated with the defaults when missing)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder for casestudy's outputs")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--baseline-sample", type=int, default=None, metavar="K",
                       help="time the baseline on K plans and extrapolate by pages "
                            "(default: all plans when ≤ 40, else 30)")
    group.add_argument("--baseline-full", action="store_true", help="time the baseline on every plan")
    group.add_argument("--no-baseline", action="store_true", help="skip stage (b)")
    parser.add_argument("--repeat", type=int, default=None, metavar="N",
                        help="run (a), (c) and (b) N times, interleaved, and keep each stage's fastest run: on a "
                             "shared machine whose speed changes by minutes, the least disturbed runs compare "
                             "best (default: 3 for a corpus of more than 40 plans, else 1)")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs to casestudy (default: not passed = all cores)")
    parser.add_argument("--live-src", action="store_true",
                        help="run the live src/ instead of a frozen copy (an edit between (c) and (d) then "
                             "invalidates the cache)")
    parser.add_argument("--casestudy-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for casestudy run (repeatable), e.g. --casestudy-arg=--no-clouds")
    args = parser.parse_args(argv)

    corpus, out = args.corpus.resolve(), args.out.resolve()
    if not (corpus / "plans").is_dir():
        if corpus != (HERE / "corpus").resolve():
            parser.error(f"--corpus {corpus}: no plans/ folder there (make one with bench/make_corpus.py)")
        print(f"{corpus} missing: generating the default corpus (bench/make_corpus.py) …", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "make_corpus.py"), "--out", str(corpus)], check=True)
    plans, interviews = files_of(corpus)
    if not plans:
        parser.error(f"{corpus}/plans: no PDF files")
    if args.no_baseline:
        sample = 0
    elif args.baseline_full:
        sample = None
    elif args.baseline_sample is not None:
        sample = max(1, args.baseline_sample)
    else:
        sample = None if len(plans) <= 40 else 30
    info = machine()
    load_start = os.getloadavg()
    print(f"corpus {corpus}: {len(plans)} plans, {len(interviews)} interviews; {info['cores']} cores, "
          f"Python {info['python']}", file=sys.stderr)
    corpus_bytes = warm_os_cache(plans + interviews)

    repeat = args.repeat or (3 if len(plans) > 40 else 1)
    run_out = out / "run"
    command = casestudy_command(corpus, run_out, args.jobs, args.casestudy_arg)
    env, source_hash = (None, None) if args.live_src else snapshot_source(out / "snapshot")
    if env:
        where = subprocess.run([sys.executable, "-c", "import casestudy; print(casestudy.__file__)"], env=env,
                               capture_output=True, text=True, cwd=ROOT).stdout.strip()
        if not where.startswith(str(out / "snapshot")):
            raise SystemExit(f"the source snapshot is not the casestudy that gets imported ({where})")
    runs: dict[str, list[dict]] = {"a": [], "b": [], "c": []}
    what = "all plans" if sample is None or sample >= len(plans) else f"a sample of {sample} plans"
    for round_ in range(1, repeat + 1):
        of = f" [{round_}/{repeat}]" if repeat > 1 else ""
        print(f"(a) bare PDFium …{of}", file=sys.stderr)
        check = cpu_check()
        runs["a"].append(dict(stage_a(plans), cpu_check_s=check))
        shutil.rmtree(run_out, ignore_errors=True)  # outputs and cache: a cold run
        print(f"(c) {' '.join(command)} (empty cache) …{of}", file=sys.stderr)
        check = cpu_check()
        runs["c"].append(dict(stage_casestudy(command, out / "casestudy_c.log", env), cpu_check_s=check))
        if sample != 0:
            print(f"(b) pdfplumber + spaCy + simplemma baseline on {what} …{of}", file=sys.stderr)
            check = cpu_check()
            runs["b"].append(dict(stage_b(plans, interviews, sample, runs["a"][0]["pages"]), cpu_check_s=check))
    a, b, c = fastest(runs["a"], in_process=True), fastest(runs["b"], in_process=True), fastest(runs["c"])
    a_docx = stage_a_docx(interviews)
    tokens, plan_tokens, n_docs, cs_pages = documents_tokens(run_out)
    digests_c = output_digests(run_out)
    print("(d) same command, warm cache …", file=sys.stderr)
    d = stage_casestudy(command, out / "casestudy_d.log", env)
    d["cache_hits"] = cache_hits(run_out)
    digests_d = output_digests(run_out)
    # (e) the work a warm run does when something outside the inputs changes (e.g. a codebook edit):
    # --force skips the up-to-date check, so every analysis stage runs again on the cached documents.
    print("(e) same command with --force, warm cache …", file=sys.stderr)
    e = stage_casestudy(command + ["--force"], out / "casestudy_e.log", env)
    e["cache_hits"] = cache_hits(run_out)
    # (f) a codebook edit: one pattern added to a copy of the shipped codebook; only the coding is redone
    edited = out / "edited_codebook.yaml"
    shipped = (ROOT / "codebooks" / "barnevern.yaml").read_text(encoding="utf-8")
    edited.write_text(shipped.replace("patterns: [", "patterns: [barnehage, ", 1), encoding="utf-8")
    print("(f) same command after a codebook edit (recode in place) …", file=sys.stderr)
    f = stage_casestudy(command + ["--codebook", str(edited), "--codebook", "krav_15-1"], out / "casestudy_f.log",
                        env)
    recoded = "only the coding changed" in (out / "casestudy_f.log").read_text(encoding="utf-8", errors="replace")
    # (g) what --suggest adds: a coder trained on 5,000 units (timed), then the forced warm run (e) without and
    # with --suggest, in turn, each the fastest of --repeat runs
    print("(g) train a coder on 5,000 units, then --force with and without --suggest …", file=sys.stderr)
    training = stage_train(corpus, plans, interviews, out)
    runs_g: dict[str, list[dict]] = {"e": [], "g": []}
    for round_ in range(1, repeat + 1):
        check = cpu_check()
        runs_g["e"].append(dict(stage_casestudy(command + ["--force"], out / "casestudy_e2.log", env),
                                cpu_check_s=check))
        check = cpu_check()
        runs_g["g"].append(dict(stage_casestudy(command + ["--force", "--suggest", training["model"]],
                                                out / "casestudy_g.log", env), cpu_check_s=check))
    e2, g = fastest(runs_g["e"]), fastest(runs_g["g"])
    suggested_rows = sum(1 for line in open(run_out / "coded_segments.csv", encoding="utf-8") if ",model," in line)
    differing = sorted(k for k in digests_c.keys() | digests_d.keys() if digests_c.get(k) != digests_d.get(k))
    same = not differing

    pages = a["pages"]
    rows = [("a", "bare PDFium text (plans only)", a, plan_tokens)]
    if b:
        rows.append(("b", "pdfplumber + spaCy nb + simplemma" + (" *" if b["extrapolated"] else ""), b, tokens))
    rows += [("c", "casestudy run (cold cache)", c, tokens), ("d", "casestudy run again (unchanged inputs)", d, tokens),
             ("e", "casestudy run --force (warm cache)", e, tokens),
             ("f", "casestudy run after a codebook edit", f, tokens),
             ("g", "casestudy run --force --suggest MODEL", g, tokens)]
    stages = {}
    for key, label, data, n_tokens in rows:
        data.update(label=label, pages_per_s=pages / data["seconds"], tokens_per_s=n_tokens / data["seconds"],
                    tokens=n_tokens)
        stages[key] = data
    ratios = {"c_over_a": c["seconds"] / a["seconds"], "d_over_c": d["seconds"] / c["seconds"],
              "e_over_c": e["seconds"] / c["seconds"], "f_over_c": f["seconds"] / c["seconds"],
              # the same in CPU seconds: on a shared machine less moved by other work than wall time
              "f_over_c_cpu": f["cpu_seconds"] / c["cpu_seconds"],
              "b_over_c": b["seconds"] / c["seconds"] if b else None,
              # what --suggest adds to a run: against the same forced run without it (timed in turn with it),
              # and as a share of the cold run (c)
              "g_over_e": g["seconds"] / e2["seconds"], "g_minus_e_over_c": (g["seconds"] - e2["seconds"]) / c["seconds"],
              # each (c) over the (a) run just before it: both saw about the same machine; a diagnostic only,
              # the verdict is on the fastest runs
              "c_over_a_pairs": [tc / ta for ta, tc in zip(a["seconds_all"], c["seconds_all"])]}
    for stage in (c, d, e):  # sampling can miss the exact top; a single process's exact max is a lower bound
        stage["peak_mb"] = max(stage["peak_mb"], stage["max_process_mb"])
    peak = max(c["peak_mb"], d["peak_mb"], a["peak_mb"], b["peak_mb"] if b else 0)
    checks = {
        "c_le_3a": ratios["c_over_a"] <= TARGETS["c_over_a_max"],
        "b_over_c_ge_30": None if b is None else ratios["b_over_c"] >= TARGETS["b_over_c_min"],
        "d_le_10pct_c": ratios["d_over_c"] <= TARGETS["d_over_c_max"],
        "peak_lt_2gb": peak < TARGETS["peak_mb_max"],
        "f_le_15pct_c": ratios["f_over_c"] <= TARGETS["f_over_c_max"],
        "suggest_le_10pct": ratios["g_over_e"] - 1 <= TARGETS["suggest_added_max"],
    }

    print()
    print(f"Corpus: {len(plans)} plans ({pages:,} pages), {len(interviews)} interviews; {tokens:,} tokens "
          f"({plan_tokens:,} in plans) counted by casestudy; machine: {info['cores']} cores, {info['cpu']}")
    header = f"{'':2} {'stage':40} {'wall s':>9} {'pages/s':>9} {'tokens/s':>11} {'peak MB':>9}"
    print(header)
    print("-" * len(header))
    for key, label, data, _ in rows:
        print(f"{key:2} {label:40} {fmt(data['seconds'], 2):>9} {fmt(data['pages_per_s'], 0):>9} "
              f"{fmt(data['tokens_per_s'], 0):>11} {fmt(data['peak_mb'], 0):>9}")
    if b and b["extrapolated"]:
        print(f"   * plans timed on {b['sample_plans']} of {len(plans)} ({b['sample_pages']} pages, "
              f"{b['sample_seconds']:.1f} s) and extrapolated linearly by pages; interviews timed in full "
              f"({b['interview_seconds']:.1f} s); peak memory is the sample's")
    print(f"   (c)/(d) peak = summed RSS of the process tree (sampled; pages shared by forked processes count "
          f"in each); summed PSS {c['peak_pss_mb']:.0f} / {d['peak_pss_mb']:.0f} MB; largest single process: "
          f"{c['max_process_mb']:.0f} / {d['max_process_mb']:.0f} MB; (c) CPU {c['cpu_seconds']:.1f} s")
    if repeat > 1:
        print(f"   (a), (b), (c): the fastest of {repeat} runs, interleaved a, c, b; every run (s): "
              + "; ".join(f"{key} " + ", ".join(f"{t:.1f}" for t in data["seconds_all"])
                          for key, data in (("a", a), ("b", b), ("c", c)) if data))
    print(f"   reference: python-docx paragraphs of the {len(interviews)} interviews: {a_docx['seconds']:.2f} s")
    print()

    def verdict(ok):
        return "n/a" if ok is None else ("PASS" if ok else "FAIL")

    print(f"c/a = {ratios['c_over_a']:.2f}   (target ≤ 3)      {verdict(checks['c_le_3a'])}"
          + (f"   (each (c) over the (a) just before it: {', '.join(f'{r:.2f}' for r in ratios['c_over_a_pairs'])})"
             if repeat > 1 else ""))
    if b:
        print(f"b/c = {ratios['b_over_c']:.1f}   (target ≥ 30)     {verdict(checks['b_over_c_ge_30'])}")
    print(f"d/c = {ratios['d_over_c']:.3f}  (target ≤ 0.10)   {verdict(checks['d_le_10pct_c'])}   "
          f"cache hits {d.get('cache_hits')}/{n_docs}; outputs identical to (c): {same}"
          + (f" (differ: {', '.join(differing[:5])})" if differing else ""))
    print(f"e/c = {ratios['e_over_c']:.3f}  (no target: a forced rerun that redoes every analysis stage on cached "
          f"documents; cache hits {e.get('cache_hits')}/{n_docs})")
    print(f"f/c = {ratios['f_over_c']:.3f}  (target ≤ 0.15)   {verdict(checks['f_le_15pct_c'])}   "
          f"recoded in place: {recoded}; CPU {f['cpu_seconds']:.1f} s against {c['cpu_seconds']:.1f} s "
          f"({ratios['f_over_c_cpu']:.3f})")
    print(f"g/e = {ratios['g_over_e']:.3f}  (target ≤ 1.10)   {verdict(checks['suggest_le_10pct'])}   --suggest "
          f"added {g['seconds'] - e2['seconds']:+.2f} s to {e2['seconds']:.2f} s (the forced run, fastest of "
          f"{len(runs_g['e'])} each, in turn; {ratios['g_minus_e_over_c']:+.1%} of the cold run (c)); "
          f"{suggested_rows:,} suggestions of {training['codes']} codes; CPU {e2['cpu_seconds']:.1f} → "
          f"{g['cpu_seconds']:.1f} s")
    print(f"training on {training['units']:,} units of {training['documents']} documents: {training['seconds']:.1f} s "
          f"(CPU {training['cpu_seconds']:.1f} s) "
          f"(cross-validation by document and the final fit; {training['codes']} codes trained; micro-F1 codebook "
          f"{training['micro_f1'].get('codebook', float('nan')):.3f}, combined "
          f"{training['micro_f1'].get('combined', float('nan')):.3f} on the simulated coding)")
    print(f"peak memory = {peak:.0f} MB (target < 2048 MB) {verdict(checks['peak_lt_2gb'])}")
    checks_s = {k: v["cpu_check_s"] for k, v in (("a", a), ("b", b), ("c", c)) if v and "cpu_check_s" in v}
    print("machine speed check (a fixed Python loop, s) before " + ", ".join(f"({k}) {v:.3f}"
                                                                            for k, v in checks_s.items())
          + (" (the runs kept)" if repeat > 1 else "")
          + ": unequal values mean the machine ran at a different speed for different stages")
    load_end = os.getloadavg()
    print(f"machine load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f} "
          f"on {info['cores']} cores" + ("  – other work was running: numbers are pessimistic"
                                         if max(load_start[0], load_end[0]) > 0.5 * info["cores"] + 1 else ""))

    results = {
        "machine": info,
        "corpus": {"path": str(corpus), "plans": len(plans), "interviews": len(interviews), "pages": pages,
                   "bytes": corpus_bytes, "documents_read": n_docs, "tokens": tokens, "plan_tokens": plan_tokens,
                   "casestudy_pages": cs_pages},
        "command": command,
        "repeat": repeat,
        "source": {"snapshot": not args.live_src, "sha256_16": source_hash, "git_head": git_head()},
        "load_note": "load average of the whole machine: other work running at the same time slows every stage",
        "stages": stages,
        "reference": {"docx_paragraphs": a_docx},
        "suggest": {"e_runs": runs_g["e"], "g_runs": runs_g["g"], "training": training,
                    "suggestions": suggested_rows},
        "ratios": ratios,
        "peak_mb": peak,
        "targets": TARGETS,
        "checks": checks,
        "warm_outputs_identical": same,
        "warm_outputs_differing": differing,
        "load_average": {"start": load_start, "end": os.getloadavg()},
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
