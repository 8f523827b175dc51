"""Read and tokenize a corpus folder: in parallel, cached by content hash, never stopping on one bad file."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .cache import DocumentCache, restore
from .corpus import (
    CaseTable, Document, Skipped, apply_case_row, case_from_name, document_id, file_sha256, find_files,
    infer_kind, read_cases,
)
from .errors import CasestudyError, ReaderError
from .nlp import TokenTable, pipeline_fingerprint, tokenize_segments
from .progress import progressbar
from .readers import DEFAULT_INTERVIEWER_LABELS, read

DOCUMENT_COLUMNS = ["document", "case", "kind", "format", "pages", "segments", "tokens", "status", "reason", "sha256"]
SEGMENT_COLUMNS = [
    "document", "case", "kind", "segment", "page", "turn", "speaker", "role", "interviewer", "heading", "text",
]


class DocumentTask:
    """An analysis of one document that the reading workers run as soon as they have read it.

    ``key`` names the analysis and everything its result depends on (codebook hash, unit, …);
    ``kind`` limits it to plans or interviews (None: every document); calling the task with
    ``(doc, tokens)`` returns its result for that document (never None: None means "not
    computed"). Corpus-wide functions (coding, the plan check, plan profiles) go through
    :func:`per_document`, which takes the workers' result when the corpus was read with the
    task and computes it otherwise: either way the result is the same, but the first spreads
    the work over every core while the documents are still in the workers' memory.
    """

    key: str = ""
    kind: str | None = None
    _compiled = None

    def compile(self):
        """What calls need that is costly to build (a Matcher, say): built once per process, never pickled."""
        return None

    @property
    def compiled(self):
        if self._compiled is None:
            self._compiled = self.compile()
        return self._compiled

    def __getstate__(self):
        return dict(self.__dict__, _compiled=None)  # each worker compiles its own

    def __call__(self, doc: Document, tokens: TokenTable):
        raise NotImplementedError


@dataclass
class Corpus:
    """The documents of a corpus folder with their tokens, plus the files that were skipped."""

    root: Path
    documents: list[Document] = field(default_factory=list)
    tokens: dict[str, TokenTable] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    #: Results of the DocumentTasks run while reading: task key → document id → result.
    results: dict[str, dict[str, object]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self):
        return iter(self.documents)

    def __getitem__(self, doc_id: str) -> Document:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise KeyError(doc_id)

    def subset(self, kind: str | None = None) -> list[Document]:
        return [d for d in self.documents if kind is None or d.kind == kind]

    def tokenized(self, kind: str | None = None):
        """(document, tokens) for every document of ``kind`` (all kinds when None) that has tokens."""
        for doc in self.subset(kind):
            tokens = self.tokens.get(doc.id)
            if tokens is not None:
                yield doc, tokens

    def documents_frame(self) -> pd.DataFrame:
        """One row per file, read or skipped: document, case, kind, format, pages, segments, tokens, status, reason."""
        rows = []
        for doc in self.documents:
            rows.append({
                "document": doc.id, "case": doc.case, "kind": doc.kind, "format": doc.format, "pages": doc.pages,
                "segments": len(doc.segments), "tokens": len(self.tokens.get(doc.id, ())), "status": "ok",
                "reason": "", "sha256": doc.sha256, **doc.attributes,
            })
        for skip in self.skipped:
            rows.append({"document": skip.document, "status": "skipped", "reason": skip.reason})
        frame = pd.DataFrame(rows)
        extra = [c for c in frame.columns if c not in DOCUMENT_COLUMNS]
        frame = frame.reindex(columns=DOCUMENT_COLUMNS + extra)
        frame["pages"] = frame["pages"].astype("Int64")
        frame["segments"] = frame["segments"].astype("Int64")
        frame["tokens"] = frame["tokens"].astype("Int64")
        return frame.sort_values("document", kind="stable").reset_index(drop=True)

    def segments_frame(self) -> pd.DataFrame:
        """One row per segment with its location: page for PDFs, turn/speaker/role for transcripts."""
        rows = [
            (doc.id, doc.case, doc.kind, s.index, s.page, s.turn, s.speaker, s.role, s.interviewer, s.heading, s.text)
            for doc in self.documents
            for s in doc.segments
        ]
        frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
        for column in ("page", "turn"):
            frame[column] = frame[column].astype("Int64")
        return frame


def per_document(corpus: Corpus, task: DocumentTask, kind: str | None = None):
    """(document, result of ``task``) for every tokenized document of ``kind``: the result the reading
    workers computed when there is one, else computed here."""
    done = corpus.results.get(task.key, {})
    for doc, tokens in corpus.tokenized(kind):
        result = done.get(doc.id)
        yield doc, (task(doc, tokens) if result is None else result)


# What every reading worker needs besides its file: set once per worker process by _start_worker.
_WORKER: dict = {"tasks": (), "cases": CaseTable()}

#: The cycle collector's first threshold in casestudy's own processes (Python's default: 700). Reading
#: and writing make and free millions of small objects; at 700 the collector ran about 350 times per
#: 77 national files, each time walking what was still alive: 5 % of a reading worker's CPU (0.5 % at
#: 10,000), and in the writers 1.1 s of CPU on the national corpus (0.3 s at 10,000).
GC_THRESHOLD = 10_000


def tune_gc() -> None:
    """Raise the cycle collector's first threshold to GC_THRESHOLD (in processes casestudy owns: its CLI,
    reading workers and writer processes; a notebook's settings are left alone)."""
    import gc

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def frozen_objects():
    """Keep Python's cycle collector off the objects that exist now (gc.freeze) until the end of the
    block: a corpus is millions of objects that live on, and walking them again and again cost 5-15 %
    of the writing's CPU. Yields a function that freezes what was made since, for a growing corpus.
    They are still freed by reference counting; only cycles among them wait for the end. When a
    caller has frozen objects of its own, nothing is done, so its freeze is not undone here."""
    import gc

    if gc.get_freeze_count():
        yield lambda: None
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def _start_worker(tasks: tuple[DocumentTask, ...], cases: CaseTable) -> None:
    _WORKER.update(tasks=tasks, cases=cases)


def _start_pool_worker(tasks: tuple[DocumentTask, ...], cases: CaseTable) -> None:
    tune_gc()
    _start_worker(tasks, cases)


def _run_tasks(doc: Document, tokens: TokenTable) -> dict[str, object]:
    results = {}
    for task in _WORKER["tasks"]:
        if task.kind in (None, doc.kind):
            try:
                results[task.key] = task(doc, tokens)
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
        found = found + (_run_tasks(doc, tokens),)
    return found


def _read_file(path: str, root: str, labels: tuple[str, ...], model: str | None, cache_dir: str | None,
               doc: Document | None = None):
    cache = _document_cache(cache_dir, model)
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


def _document_cache(cache_dir: str | None, model: str | None) -> DocumentCache | None:
    return DocumentCache(cache_dir, pipeline_fingerprint(model)) if cache_dir else None


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
        reason = "permission denied: make the file readable" if isinstance(exc, PermissionError) else (
            f"cannot open ({exc.strerror}): check the path or link")
        return ("skip", doc_id, reason)
    if cache and not load_hits and cache.has(sha):
        return ("cached",)
    hit = cache.get(sha) if cache else None
    if hit is not None:
        fields, tokens = hit
        doc = Document(id=doc_id, path=path_, kind=infer_kind(doc_id), case=case_from_name(doc_id), sha256=sha)
        return ("ok", restore(doc, fields), tokens, True)
    try:
        return ("read", read(path_, Path(root), interviewer_labels=labels, sha256=sha))
    except ReaderError as exc:
        return ("skip", doc_id, exc.reason)
    except Exception as exc:  # a reader bug must not stop the corpus: report it as this file's reason
        return ("skip", doc_id, f"unexpected reader error ({type(exc).__name__}: {exc}): please report it")


class _EarlyReader:
    """Reads files (to Documents, without tokens) in a forked child while this process loads the NLP
    pipeline once for the reading workers it then forks (see :func:`warm_up`), so neither core waits:
    loading it in each worker cost every worker two seconds of CPU.

    The files are read in the given order until :meth:`finish`, which returns what was read by then
    (position → ("read", Document) or ("skip", id, reason)); cache hits are left to the workers."""

    def __init__(self, work: list[tuple[int, tuple]]):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._stop = context.Event()
        self._connection, writer = context.Pipe(duplex=False)
        self._child = context.Process(target=_read_early, args=(work, self._stop, writer), daemon=True)
        self._child.start()
        writer.close()

    def finish(self) -> dict[int, tuple]:
        self._stop.set()
        try:
            found = dict(self._connection.recv())
        except EOFError:  # the child died (a crash in a reader): its files are read by the workers
            found = {}
        self.close()
        return found

    def close(self) -> None:
        if self._child.is_alive():
            self._stop.set()
            self._child.join(5)
            if self._child.is_alive():
                self._child.terminate()
        self._child.join()
        self._connection.close()


def _read_early(work, stop, connection) -> None:
    tune_gc()
    found = []
    try:
        for position, (path, root, labels, model, cache_dir) in work:
            if stop.is_set():
                break
            # a cache hit is quicker for a worker to load than to send from here
            result = _read_document(path, root, labels, _document_cache(cache_dir, model), load_hits=False)
            if result[0] != "cached":
                found.append((position, result))
        # sent at the end: the parent reads the pipe only when it has loaded the pipeline
        connection.send(found)
    finally:
        connection.close()


def warm_up(tasks=(), model: str | None = None) -> None:
    """Load what every document's processing needs (the spaCy pipeline, simplemma's dictionaries, the
    compiled tasks) in this process, for the reading workers forked from it to share."""
    from .nlp import get_nlp, lemmatize

    get_nlp(model)
    lemmatize("barnevernet")
    for task in tasks:
        task.compiled


def concurrently(*calls, jobs: int | None = None) -> list:
    """Run zero-argument callables at the same time and return their results in order.

    The first runs in this process, each other one in a forked child that shares this
    process's memory (nothing is pickled but the result), so writers of different output
    files can use the cores that are idle after reading. One after the other on systems
    other than Linux (fork is unsafe on macOS and absent on Windows) or when ``jobs`` is 1.
    A child's exception is raised here when this process's own call has ended; an exception
    or interrupt here stops the children.
    """
    import multiprocessing

    jobs = jobs or default_jobs()
    if jobs == 1 or len(calls) < 2 or not _can_fork():
        return [call() for call in calls]
    context = multiprocessing.get_context("fork")
    children = []
    try:
        for call in calls[1:]:
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(target=_run_child, args=(call, writer), daemon=True)
            child.start()
            writer.close()
            children.append((child, reader))
        results = [calls[0]()]
        for child, reader in children:
            try:
                status, value = reader.recv()
            except EOFError:
                child.join()
                status, value = "error", CasestudyError(f"a writer process ended without a result (exit code "
                                                        f"{child.exitcode}); run again with --jobs 1 to see why")
            if status == "error":
                raise value
            results.append(value)
        return results
    finally:
        for child, reader in children:
            if child.is_alive():
                child.terminate()
            child.join()
            reader.close()


def _run_child(call, connection) -> None:
    tune_gc()
    try:
        connection.send(("ok", call()))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        try:
            connection.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            import traceback

            connection.send(("error", CasestudyError("".join(traceback.format_exception(exc)))))
    finally:
        connection.close()


def _can_fork() -> bool:
    """Whether casestudy forks processes here: on Linux (fork is unsafe on macOS and absent on Windows)."""
    return sys.platform.startswith("linux")


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


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
    """
    root = Path(root)
    if not root.exists():
        raise CasestudyError(f"{root}: corpus folder not found; give the folder that holds plans/ and interviews/")
    cases_path = Path(cases) if cases else (root / "cases.csv" if root.is_dir() else None)
    if cases and not Path(cases).exists():
        raise CasestudyError(f"{cases}: cases file not found")
    table: CaseTable = read_cases(cases_path)
    files = find_files(root)
    corpus = Corpus(root=root, warnings=list(table.warnings))
    corpus.options = {"model": model, "interviewer_labels": sorted(interviewer_labels), "cases": str(cases_path or "")}
    jobs = jobs or default_jobs()
    labels = tuple(sorted(l.lower() for l in interviewer_labels))
    args = [(str(p), str(root), labels, model, str(cache) if cache else None) for p in files]
    hits = 0
    setup = (tuple(tasks), table)
    if jobs > 1 and len(files) > 1:
        # one file at a time, the largest first: the workers end together, on small files
        order = sorted(range(len(files)), key=lambda i: -_size(files[i]))
        early = _EarlyReader([(i, args[i]) for i in order]) if _can_fork() else None
        try:
            warm_up(tasks, model)
            found_early = early.finish() if early else {}
        finally:
            if early:
                early.close()
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(files)), initializer=_start_pool_worker,
                                   initargs=setup)
        try:
            work = [args[i] + (found_early.get(i),) for i in order]
            results = zip(order, pool.map(_process_file, *zip(*work)))
            with progressbar(results, length=len(args), label="Reading", silent=silent) as bar:
                hits = _collect(corpus, bar, from_workers=True)
        except BaseException:  # interrupted: drop the queued files instead of finishing them
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    else:
        _start_worker(*setup)
        try:
            results = ((i, _process_file(*a)) for i, a in enumerate(args))
            with progressbar(results, length=len(args), label="Reading", silent=silent) as bar:
                hits = _collect(corpus, bar)
        finally:
            _start_worker((), CaseTable())
    corpus.options["cache_hits"] = hits
    known = {d.id for d in corpus.documents} | {s.document for s in corpus.skipped}
    for name in table.rows:
        if name not in known and not any(k.endswith("/" + name) for k in known):
            corpus.warnings.append(f"cases.csv lists {name}, which is not in the corpus folder")
    return corpus


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
