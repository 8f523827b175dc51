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


def can_fork() -> bool:
    """Whether casestudy forks processes here: on Linux (fork is unsafe on macOS and absent on Windows)."""
    return sys.platform.startswith("linux")


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
