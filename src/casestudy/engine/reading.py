"""Read and tokenize a corpus folder: in parallel, cached by content hash, never stopping on one bad file."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from ..errors import CasestudyError, ReaderError
from ..limits import current as current_limits
from ..model import Corpus, Document, DocumentTask, Skipped
from ..progress import progressbar
from ..sources import open_error, read
from ..sources.folder import (
    CaseTable, apply_case_row, case_from_name, document_id, file_sha256, find_files, infer_kind, read_cases,
)
from ..sources.pseudonyms import case_warnings, finish as finish_pseudonyms, prepare as prepare_pseudonyms
from ..text.nb import DEFAULT_INTERVIEWER_LABELS
from ..text.nlp import TokenTable, pipeline_fingerprint, tokenize_segments
from .cache import DocumentCache, restore
from .forking import (
    WATCH_INTERVAL, WorkerDied, WorkerPool, can_fork, can_watch_memory, death_reason, default_jobs, frozen_objects,
    guard_child, over_budget, resident_bytes, tune_gc,
)


# What every reading worker needs besides its file: set once per worker process by _start_worker.
_WORKER: dict = {"tasks": (), "cases": CaseTable()}


def _start_worker(tasks: tuple[DocumentTask, ...], cases: CaseTable, shared: dict | None = None) -> None:
    """Set what this process's reads need; the tasks are compiled with one shared state (their matchers'
    lexicon), the corpus's when reading in this process."""
    shared = {} if shared is None else shared
    for task in tasks:
        task.prepare(shared)
    # each task's key once per process (it hashes the codebook)
    _WORKER.update(tasks=tuple((task.key, task) for task in tasks), cases=cases)


def _start_pool_worker(tasks: tuple[DocumentTask, ...], cases: CaseTable) -> None:
    tune_gc()
    _start_worker(tasks, cases)


def _run_tasks(doc: Document, tokens: TokenTable) -> dict[str, object]:
    results = {}
    for key, task in _WORKER["tasks"]:
        if task.kind in (None, doc.kind):
            try:
                results[key] = task(doc, tokens)
            except Exception:  # noqa: BLE001 - left to the main process, which computes it again and reports
                pass
    return results


def _process_file(path: str, root: str, labels: tuple[str, ...], model: str | None, cache_dir: str | None,
                  early: tuple | None = None):
    """Worker: read, clean and tokenize one file (or take it from the cache), then run the document tasks.
    ``early``: what :class:`_EarlyReader` made of the file (then it is not read again)."""
    if early is not None and early[0] == "skip":
        return early
    found = _read_file(path, root, labels, model, cache_dir, None if early is None else early[1])
    if found[0] == "ok":
        doc, tokens = found[1], found[2]
        apply_case_row(doc, _WORKER["cases"].lookup(doc.id))
        if _WORKER["cases"].pseudonyms is not None:  # before the tasks, so no result holds a real name
            found = ("ok",) + _pseudonymised(doc, tokens, model) + found[3:]
            doc, tokens = found[1], found[2]
        found = found + (_run_tasks(doc, tokens),)
    return found


def _pseudonymised(doc: Document, tokens: TokenTable, model: str | None) -> tuple[Document, TokenTable]:
    """A document with its names replaced (see sources.pseudonyms), tokenized again when its text changed."""
    texts = [s.text for s in doc.segments]
    doc = _WORKER["cases"].pseudonyms.apply(doc)
    if [s.text for s in doc.segments] != texts:
        tokens = tokenize_segments([s.text for s in doc.segments], model)
    return doc, tokens


def _read_file(path: str, root: str, labels: tuple[str, ...], model: str | None, cache_dir: str | None,
               doc: Document | None = None):
    cache = _document_cache(cache_dir, model, labels)
    if doc is None:
        found = _read_document(path, root, labels, cache)
        if found[0] != "read":
            return found
        doc = found[1]
    tokens = tokenize_segments([s.text for s in doc.segments], model)
    if cache:
        try:
            cache.put(doc, tokens)
        except OSError:
            pass  # a full or read-only cache folder only costs speed
    return ("ok", doc, tokens, False)


def _document_cache(cache_dir: str | None, model: str | None, labels: tuple[str, ...]) -> DocumentCache | None:
    """The cache under every reading option: a change of --interviewer, --model or --limit is another key
    (a file cached under a high limit is not served under a lower one it exceeds)."""
    from dataclasses import asdict

    from ..limits import current

    limits = asdict(current())
    del limits["total_gb"]  # how much the run may hold in total changes no file's reading, only whether it fits
    options = {"interviewer_labels": sorted(labels), "model": model, "limits": limits}
    return DocumentCache(cache_dir, pipeline_fingerprint(model), options) if cache_dir else None


def _read_document(path: str, root: str, labels: tuple[str, ...], cache: DocumentCache | None, *,
                   load_hits: bool = True):
    """("read", Document) of a file without its tokens; ("ok", …) as :func:`_read_file` gives it for a cache
    hit (("cached",) without loading it when not ``load_hits``); ("skip", document id, reason) when it
    cannot be read."""
    path_ = Path(path)
    doc_id = document_id(path_, Path(root))
    try:
        sha = file_sha256(path_)
    except OSError as exc:
        return ("skip", doc_id, open_error(path_, exc).reason)
    reader = path_.suffix.lower()
    if cache and not load_hits and cache.has(sha, reader):
        return ("cached",)
    hit = cache.get(sha, reader) if cache else None
    if hit is not None:
        fields, tokens = hit
        doc = Document(id=doc_id, path=path_, kind=infer_kind(doc_id), case=case_from_name(doc_id), sha256=sha)
        return ("ok", restore(doc, fields), tokens, True)
    try:
        return ("read", read(path_, Path(root), interviewer_labels=labels, sha256=sha))
    except ReaderError as exc:
        return ("skip", doc_id, exc.reason)
    except MemoryError:
        return ("skip", doc_id, _memory_reason())
    except Exception as exc:  # a reader bug must not stop the corpus: report it as this file's reason
        return ("skip", doc_id, f"unexpected reader error ({type(exc).__name__}: {exc}): please report it")


class _EarlyReader:
    """Reads files (to Documents, without tokens) in a forked child while this process loads the NLP
    pipeline once for the reading workers it then forks (see :func:`warm_up`), so neither core waits:
    loading it in each worker cost every worker two seconds of CPU.

    The files are read in the given order until :meth:`finish`, which returns what was read by then
    (position → ("read", Document) or ("skip", id, reason)); cache hits are left to the workers. When the
    child dies on a file or overruns the time limit with it, that file maps to WorkerDied (so it is not
    read a second time) and the others are left to the workers. A thread of this process watches the
    run's memory budget meanwhile, as the pool does for its workers (this process is busy loading)."""

    def __init__(self, work: list[tuple[int, tuple]]):
        import multiprocessing
        import threading

        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._current = context.Value("q", -1, lock=False)  # the position of the file being read
        self._connection, writer = context.Pipe(duplex=False)
        self._child = context.Process(target=_read_early, args=(work, self._stop, writer, self._current),
                                      daemon=True)
        self._child.start()
        writer.close()
        self._done, self._over_budget = threading.Event(), threading.Event()
        self._watch = None
        if can_watch_memory():
            self._watch = threading.Thread(target=self._watch_memory, args=(_total_bytes(),), daemon=True)
            self._watch.start()

    def _watch_memory(self, budget: int) -> None:
        """Stop the child when it has grown most on its file and this process and it pass the budget."""
        pid, position, base, last = self._child.pid, None, 0, 0
        while not self._done.wait(WATCH_INTERVAL):
            rss, now = resident_bytes(pid), self._current.value
            if rss is None:
                return
            if now != position:  # a new file: its growth counts from here
                position, base = now, rss
            rising, last = max(0, rss - last), rss
            if now >= 0 and over_budget(budget, {pid: rss - base}, rising=rising) == pid:
                self._over_budget.set()
                self._child.kill()
                return

    def finish(self) -> dict[int, object]:
        self._stop.set()
        seconds = current_limits().seconds
        try:
            if self._connection.poll(seconds):  # it ends the file in hand, then sends
                found = dict(self._connection.recv())
            else:
                self._child.kill()
                found = self._lost(WorkerDied(f"took longer than {seconds:g} s", timed_out=True))
        except EOFError:  # the child died on a file (a crash in a reader, the memory limit, the budget)
            self._child.join()
            self._stop_watching()
            found = self._lost(WorkerDied(death_reason(self._child.exitcode),
                                          over_budget=self._over_budget.is_set()))
        self.close()
        return found

    def _stop_watching(self) -> None:
        self._done.set()
        if self._watch is not None:
            self._watch.join()

    def _lost(self, died: WorkerDied) -> dict[int, object]:
        position = self._current.value
        return {position: died} if position >= 0 else {}

    def close(self) -> None:
        self._stop_watching()  # before the pool forks: no thread of this process runs then
        if self._child.is_alive():
            self._stop.set()
            self._child.join(5)
            if self._child.is_alive():
                self._child.terminate()
        self._child.join()
        self._connection.close()


def _read_early(work, stop, connection, current) -> None:
    guard_child(_memory_bytes())
    tune_gc()
    found = []
    try:
        for position, (path, root, labels, model, cache_dir) in work:
            if stop.is_set():
                break
            current.value = position
            # a cache hit is quicker for a worker to load than to send from here
            result = _read_document(path, root, labels, _document_cache(cache_dir, model, labels), load_hits=False)
            if result[0] != "cached":
                found.append((position, result))
        current.value = -1
        # sent at the end: the parent reads the pipe only when it has loaded the pipeline
        connection.send(found)
    finally:
        connection.close()


def warm_up(tasks=(), model: str | None = None, shared: dict | None = None) -> None:
    """Load what every document's processing needs (the spaCy pipeline, simplemma's dictionaries, the
    compiled tasks) in this process, for the reading workers forked from it to share."""
    from ..text.nlp import get_nlp, lemmatize

    get_nlp(model)
    lemmatize("barnevernet")
    shared = {} if shared is None else shared
    for task in tasks:
        task.prepare(shared)


def read_corpus(
    root,
    *,
    cases: str | Path | None = None,
    interviewer_labels=DEFAULT_INTERVIEWER_LABELS,
    model: str | None = None,
    jobs: int | None = None,
    cache: str | Path | None = None,
    silent: bool = True,
    tasks: list[DocumentTask] = (),
    exclude=(),
    follow_links: bool = False,
    pseudonymise: bool | None = None,
    names: str | Path | None = None,
) -> Corpus:
    """Read every PDF, DOCX and TXT below ``root`` into a Corpus; unreadable files are skipped with a reason.

    Args:
        root: the corpus folder (or a single file).
        cases: cases.csv; default ``root/cases.csv`` when it exists.
        interviewer_labels: speaker labels that mean the interviewer (compared lower-cased).
        model: an installed spaCy pipeline to use instead of the built-in one.
        jobs: worker processes (default: all cores).
        cache: folder for the content-hash cache; None turns caching off.
        silent: no progress bar.
        tasks: per-document analyses to run in the reading workers (see :class:`DocumentTask`).
        exclude: folders below ``root`` not to read (the run's output folder and cache, when inside it).
        follow_links: read files and folders that links inside ``root`` point to outside it.
        pseudonymise: replace every case, file, speaker and listed name (see sources.pseudonyms); None (the
            default): when cases.csv gives pseudonyms; False: keep the real names (the options say so).
        names: a names file of further names to replace (implies ``pseudonymise``).
    """
    root = Path(root)
    if not root.exists():
        raise CasestudyError(f"{root}: corpus folder not found; give the folder that holds plans/ and interviews/")
    cases_path = Path(cases) if cases else (root / "cases.csv" if root.is_dir() else None)
    if cases and not Path(cases).exists():
        raise CasestudyError(f"{cases}: cases file not found")
    table: CaseTable = read_cases(cases_path)
    problems: list[tuple[str, str]] = []
    skip = [Path(p) for p in exclude if p] + ([Path(cache)] if cache else [])
    files = find_files(root, problems, exclude=skip, follow_links=follow_links)
    real_ids = [document_id(p, root) for p in files]
    pseudonyms = prepare_pseudonyms(real_ids, table, pseudonymise=pseudonymise, names=names)
    corpus = Corpus(root=root, warnings=list(table.warnings))
    corpus.skipped += [Skipped(folder, reason) for folder, reason in problems]
    corpus.options = {"model": model, "interviewer_labels": sorted(interviewer_labels), "cases": str(cases_path or "")}
    jobs = jobs or default_jobs()
    labels = tuple(sorted(l.lower() for l in interviewer_labels))
    args = [(str(p), str(root), labels, model, str(cache) if cache else None) for p in files]
    hits = 0
    setup = (tuple(tasks), table)
    if jobs > 1 and len(files) > 1:
        # one file at a time, the largest first: the workers end together, on small files
        order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
        early = _EarlyReader([(i, args[i]) for i in order]) if can_fork() else None
        try:
            warm_up(tasks, model, corpus.shared)
            found_early = {i: _outcome(args[i], found) for i, found in (early.finish() if early else {}).items()}
        finally:
            if early:
                early.close()
        # a worker that dies costs its file only; an interrupt stops them all (the queued files are dropped)
        with _pool(min(jobs, len(files)), _start_pool_worker, setup) as pool:
            work = ((i, args[i] + (found_early.get(i),)) for i in order)
            results = ((i, _outcome(args[i], found)) for i, found in pool.imap_unordered(_process_file, work))
            with progressbar(results, length=len(args), label="Reading", silent=silent) as bar:
                hits = _collect(corpus, bar, from_workers=True)
    else:
        _start_worker(*setup, corpus.shared)
        # risky formats are read in a child all the same, so that a crash in PDFium costs one file
        apart = _pool(1) if can_fork() and any(f.suffix.lower() in RISKY for f in files) else None
        try:
            results = ((i, _process_file(*a, _read_apart(apart, a))) for i, a in enumerate(args))
            with progressbar(results, length=len(args), label="Reading", silent=silent) as bar:
                hits = _collect(corpus, bar)
        finally:
            _start_worker((), CaseTable())
            if apart:
                apart.close()
    corpus.options["cache_hits"] = hits
    for row in table.rows.values():
        corpus.case_names.update(row.get(column, "").casefold() for column in ("case", "pseudonym"))
    for doc in corpus.documents:
        corpus.case_names.update((doc.case.casefold(), case_from_name(doc.id).casefold()))
    corpus.case_names.discard("")
    corpus.warnings += case_warnings(table, real_ids)
    if pseudonyms is not None:
        finish_pseudonyms(pseudonyms, corpus)
    return corpus


#: Formats whose readers run C code on the file's bytes (PDFium, libxml2): with one job they are still read
#: in a child process, which a crash or the memory limit ends instead of the run.
RISKY = {".pdf", ".docx"}


def _memory_bytes() -> int:
    return int(current_limits().memory_gb * 2**30)


def _total_bytes() -> int:
    return int(current_limits().total_gb * 2**30)


def _pool(jobs: int, initializer=None, initargs=()) -> WorkerPool:
    """Reading workers under the memory and time limits of limits.py (each worker's and the run's in total)."""
    return WorkerPool(jobs, initializer, initargs, memory_bytes=_memory_bytes(), seconds=current_limits().seconds,
                      total_bytes=_total_bytes())


def _read_apart(pool: WorkerPool | None, args: tuple):
    """What :func:`_read_early` would make of one risky file, read in ``pool``'s worker; None to read it here."""
    if pool is None or Path(args[0]).suffix.lower() not in RISKY:
        return None
    found = _outcome(args, pool.call(_read_one, args))
    return None if found[0] == "cached" else found


def _read_one(path: str, root: str, labels: tuple[str, ...], model: str | None, cache_dir: str | None):
    return _read_document(path, root, labels, _document_cache(cache_dir, model, labels), load_hits=False)


def _outcome(args: tuple, found):
    """A worker's result as it is, or ("skip", document id, reason) when the worker failed or died on the file."""
    if isinstance(found, tuple):
        return found
    doc_id = document_id(Path(args[0]), Path(args[1]))
    if isinstance(found, WorkerDied) and found.over_budget:
        return ("skip", doc_id, _budget_reason(found.others))
    if isinstance(found, WorkerDied) and found.timed_out:
        limit = current_limits().seconds
        return ("skip", doc_id, f"reading it took longer than the limit of {limit:g} s: if the file is genuine, "
                                f"raise the limit (--limit seconds={int(limit * 4)})")
    if isinstance(found, WorkerDied):
        return ("skip", doc_id, f"the reader crashed on it ({found}): the file is damaged or needs more memory than "
                                f"the limit; save it again, or raise the limit (--limit memory_gb="
                                f"{current_limits().memory_gb * 4:g})")
    if isinstance(found, MemoryError):
        return ("skip", doc_id, _memory_reason())
    return ("skip", doc_id, f"unexpected error ({type(found).__name__}: {found}): please report it")


def _budget_reason(others: int) -> str:
    """Why a file was stopped for the run's memory budget; with other files being read at the time, reading
    it alone (--jobs 1) may fit."""
    limit = current_limits().total_gb
    reason = f"reading it took the run past its memory budget of {limit:g} GB"
    if others:
        return (f"{reason}, with {others} other file{'s' if others > 1 else ''} being read: if the file is genuine, "
                f"raise the limit (--limit total_gb={limit * 2:g}) or read with --jobs 1")
    return f"{reason}: if the file is genuine, raise the limit (--limit total_gb={limit * 2:g})"


def _memory_reason() -> str:
    limit = current_limits().memory_gb
    return (f"needs more memory than the limit of {limit:g} GB per file: if the file is genuine, raise the limit "
            f"(--limit memory_gb={limit * 4:g})")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _collect(corpus: Corpus, results, *, from_workers: bool = False) -> int:
    """Add (file number, worker result) pairs to the corpus, in the order of the files; returns the cache hits.

    ``from_workers``: the results were read by other processes, so what this one holds is the corpus
    only (no reader's uncollected garbage to keep): the cycle collector is kept off it while it grows."""
    hits = 0
    documents, skipped = [], []
    with frozen_objects() if from_workers else nullcontext(lambda: None) as freeze_new:
        for n, (index, result) in enumerate(results, 1):
            if result[0] == "skip":
                skipped.append((index, Skipped(result[1], result[2])))
                continue
            _, doc, tokens, hit, task_results = result
            hits += hit
            documents.append((index, doc))
            corpus.tokens[doc.id] = tokens
            for key, value in task_results.items():
                corpus.results.setdefault(key, {})[doc.id] = value
            if n % 32 == 0:
                freeze_new()
    corpus.documents += [doc for _, doc in sorted(documents, key=lambda pair: pair[0])]
    corpus.skipped += [skip for _, skip in sorted(skipped, key=lambda pair: pair[0])]
    return hits
