"""Process machinery: run callables side by side in forked children, the default number of jobs, and the
cycle collector's settings in casestudy's own processes."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from ..errors import CasestudyError


#: The cycle collector's first threshold in casestudy's own processes (Python's default: 700). Reading
#: and writing make and free millions of small objects, and at the default the collector walks what is
#: still alive again and again (measurements: bench/README.md).
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
    if jobs == 1 or len(calls) < 2 or not can_fork():
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
    guard_child()
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


def guard_child(memory_bytes: int | None = None) -> None:
    """Settings of a forked child: it dies with its parent (Linux PR_SET_PDEATHSIG; a child left behind by
    ``kill -9`` of the parent held gigabytes, blocked on a pipe, for good), Ctrl-C and SIGTERM are the
    parent's to handle, and with ``memory_bytes`` its address space may grow by that much (RLIMIT_AS), so
    a file that needs more ends in a MemoryError or the child's death, not the machine's."""
    import signal

    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent:  # pragma: no cover - the parent died before the signal was set
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if memory_bytes:
        _limit_memory(memory_bytes)


def _limit_memory(extra: int) -> None:
    """Let this process's address space grow by ``extra`` bytes beyond what it has now (it starts with its
    parent's mappings, which a notebook's data can make large)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = size + extra
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


class WorkerDied(CasestudyError):
    """A worker process ended while it held an item: killed by a signal, out of memory, over time, or
    stopped when the processes together passed the memory budget (``over_budget``; ``others``: how many
    other items were being worked on then)."""

    def __init__(self, reason: str, timed_out: bool = False, *, over_budget: bool = False, others: int = 0):
        super().__init__(reason)
        self.timed_out = timed_out
        self.over_budget = over_budget
        self.others = others


#: How often the memory of a pool's processes is looked at while items are out (seconds). Reading
#: /proc/<pid>/statm costs ≈ 15 µs. A reader that grows fast (PDFium on a content-stream bomb: about
#: 1 GB in a second) is stopped when, at the rate it grew since the last look, the next look would find
#: the budget passed; what it allocates faster than that may still pass it.
WATCH_INTERVAL = 0.05

#: A worker is stopped for the memory budget only when it has itself grown by more than this since it
#: took its item (more than a dense 500-page plan needs), so a large main process or many workers never
#: get an ordinary file stopped.
GROWTH_FLOOR = 256 * 2**20


def resident_bytes(pid: int) -> int | None:
    """A process's resident memory (/proc/<pid>/statm; None where there is no /proc or no such process)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return None


def proportional_bytes(pid: int) -> int | None:
    """A process's proportional set size (Linux ≥ 4.14 /proc/<pid>/smaps_rollup): its resident memory with
    each page it shares counted in part, so the sum over a parent and its forked children is the memory
    they hold (their resident sizes count the pages they share from the fork once in each). It walks the
    process's page tables (≈ 8 ms per GB), so it is read only when the resident sizes pass a budget."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return None


def can_watch_memory() -> bool:
    """Whether the memory of processes can be watched here (Linux /proc); elsewhere a pool's memory budget
    is not enforced (each worker's own limit, RLIMIT_AS, still is)."""
    return resident_bytes(os.getpid()) is not None


def over_budget(budget: int, grown: dict[int, int], others=(), rising: int = 0) -> int | None:
    """The process to stop when this process, the processes ``grown`` ({pid: growth since it took its
    item}) and ``others`` (pids) hold more than ``budget`` bytes together, or will by the next look when
    they keep growing by ``rising`` bytes (what they grew since the last look): the one that grew most,
    when it grew more than GROWTH_FLOOR; None when they are within the budget or none grew that much."""
    candidates = {pid: growth for pid, growth in grown.items() if growth > GROWTH_FLOOR}
    if not candidates:
        return None
    pids = [os.getpid(), *grown, *others]
    # the resident sizes are an upper bound (the pages a forked child shares are counted in each)
    if sum(resident_bytes(pid) or 0 for pid in pids) + rising <= budget:
        return None
    if sum(proportional_bytes(pid) or resident_bytes(pid) or 0 for pid in pids) + rising <= budget:
        return None
    return max(candidates, key=candidates.get)


def death_reason(exitcode: int | None) -> str:
    """Why a worker ended, for a skipped file's reason: 'killed by SIGKILL', 'exit code 134'."""
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


_PENDING = object()  # a worker's item not done yet (None is a result like any other)


class WorkerPool:
    """Forked workers that take one item at a time, so a worker that dies (a C library's abort, the memory
    limit, SIGKILL) or overruns the time limit costs only the item it held: that item comes back as a
    :class:`WorkerDied` and a new worker takes its place. concurrent.futures' pool instead breaks as a
    whole (BrokenProcessPool) without saying which item killed it.

    Args:
        jobs: worker processes.
        initializer, initargs: called in each worker when it starts (nothing is pickled: workers are forked).
        memory_bytes: how much each worker's address space may grow (see :func:`guard_child`).
        seconds: how long a worker may spend on one item before it is killed.
        total_bytes: a budget for this process and its workers together: while items are out, their memory
            is looked at every WATCH_INTERVAL, and past the budget the worker that grew most on its item
            (see :func:`over_budget`) is stopped, its item given back as WorkerDied(over_budget=True).
            Not enforced where there is no /proc (see :func:`can_watch_memory`).
    """

    def __init__(self, jobs: int, initializer=None, initargs=(), *, memory_bytes: int | None = None,
                 seconds: float | None = None, total_bytes: int | None = None):
        import multiprocessing

        self._context = multiprocessing.get_context("fork")
        self._setup = (initializer, initargs, memory_bytes)
        self._seconds = seconds
        self._budget = total_bytes if total_bytes and can_watch_memory() else None
        self._workers = [self._start() for _ in range(jobs)]

    def _start(self) -> dict:
        here, there = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(there, *self._setup), daemon=True)
        process.start()
        there.close()
        return {"process": process, "connection": here, "item": None, "since": 0.0, "base": 0, "last": 0}

    def imap_unordered(self, function, items):
        """(key, result or exception) for each (key, args) of ``items`` as the workers finish them; an
        exception raised by ``function`` is given back, as is WorkerDied for an item whose worker ended."""
        import time
        from multiprocessing.connection import wait

        items = iter(items)
        busy = 0
        while True:
            for worker in self._workers:
                if worker["item"] is None and (item := next(items, None)) is not None:
                    self._send(worker, (function, item[1]))
                    worker["item"], worker["since"] = item[0], time.monotonic()
                    if self._budget:
                        worker["base"] = worker["last"] = resident_bytes(worker["process"].pid) or 0
                    busy += 1
            if not busy:
                return
            working = [w for w in self._workers if w["item"] is not None]
            ready = wait([w["connection"] for w in working] + [w["process"].sentinel for w in working],
                         timeout=self._wait_time(working))
            stop = self._over_budget(working, ready)
            for worker in working:
                key = worker["item"]
                if worker is stop:
                    outcome = self._stop_for_memory(worker, others=len(working) - 1)
                else:
                    outcome = self._outcome(worker, ready)  # a worker that died is replaced by a new one
                if outcome is not _PENDING:
                    busy -= 1
                    worker["item"] = None
                    yield key, outcome

    def _send(self, worker: dict, work) -> None:
        """Hand an idle worker its next item; one that ended while idle is replaced first, so the item is
        not taken for the cause."""
        if not worker["process"].is_alive():
            worker["process"].join()
            worker["connection"].close()
            worker.update(self._start())
        try:
            worker["connection"].send(work)
        except OSError:  # it ended just now
            worker["process"].join()
            worker["connection"].close()
            worker.update(self._start())
            worker["connection"].send(work)

    def call(self, function, args):
        """``function(*args)`` in a worker: its result, or the exception it raised, or WorkerDied."""
        for _, outcome in self.imap_unordered(function, [(0, args)]):
            return outcome

    def _wait_time(self, working) -> float | None:
        import time

        wait = WATCH_INTERVAL if self._budget else None
        if not self._seconds:
            return wait
        until_late = max(0.0, min(w["since"] for w in working) + self._seconds - time.monotonic()) + 0.01
        return until_late if wait is None else min(wait, until_late)

    def _over_budget(self, working, ready) -> dict | None:
        """The worker to stop for the memory budget (see :func:`over_budget`), if any; one that has just
        finished or ended is left to :meth:`_outcome`."""
        if not self._budget:
            return None
        grown, by_pid, rising = {}, {}, 0
        for worker in working:
            process = worker["process"]
            if worker["connection"] in ready or process.sentinel in ready:
                continue
            rss = resident_bytes(process.pid)
            if rss is not None:
                grown[process.pid], by_pid[process.pid] = rss - worker["base"], worker
                rising += max(0, rss - worker["last"])
                worker["last"] = rss
        idle = [w["process"].pid for w in self._workers if w["process"].pid not in grown]
        pid = over_budget(self._budget, grown, idle, rising)
        return None if pid is None else by_pid[pid]

    def _stop_for_memory(self, worker: dict, others: int) -> WorkerDied:
        worker["process"].kill()
        worker["process"].join()
        worker["connection"].close()
        worker.update(self._start())
        return WorkerDied(f"stopped: the processes passed their memory budget of {self._budget / 2**30:.3g} GB",
                          over_budget=True, others=others)

    def _outcome(self, worker: dict, ready):
        """The worker's result when it has one, WorkerDied when it ended or overran (it is replaced), else
        _PENDING."""
        import time

        connection, process = worker["connection"], worker["process"]
        if connection in ready or process.sentinel in ready:
            try:
                if connection.poll():
                    return connection.recv()[1]  # ("ok", result) or ("error", exception)
            except (EOFError, OSError):
                pass
            process.join()
            reason = death_reason(process.exitcode)
        elif self._seconds and time.monotonic() - worker["since"] > self._seconds:
            process.kill()
            process.join()
            connection.close()
            worker.update(self._start())
            return WorkerDied(f"took longer than {self._seconds:g} s", timed_out=True)
        else:
            return _PENDING
        connection.close()
        worker.update(self._start())
        return WorkerDied(reason)

    def close(self) -> None:
        """Stop every worker (an item in hand is dropped: called at the end or on an interrupt)."""
        for worker in self._workers:
            try:
                if worker["item"] is None:
                    worker["connection"].send(None)
            except OSError:
                pass
        for worker in self._workers:
            process = worker["process"]
            if worker["item"] is not None:
                process.kill()
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
            worker["connection"].close()
        self._workers = []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(connection, initializer, initargs, memory_bytes) -> None:
    """A pool worker: take (function, args), send back the result or the exception, until told to stop."""
    guard_child(memory_bytes)
    tune_gc()
    if initializer is not None:
        initializer(*initargs)
    while (work := connection.recv()) is not None:
        function, args = work
        try:
            result = ("ok", function(*args))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent
            result = ("error", exc)
        try:
            connection.send(result)
        except Exception as exc:  # noqa: BLE001 - a result or exception that cannot be pickled
            connection.send(("error", CasestudyError(f"{type(exc).__name__}: {exc}")))


def can_fork() -> bool:
    """Whether casestudy forks processes here: on Linux (fork is unsafe on macOS and absent on Windows)."""
    return sys.platform.startswith("linux")


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
