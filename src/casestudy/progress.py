"""One progress helper for long work: a bar on stderr, nothing when silent or not a terminal."""

from __future__ import annotations

import sys
from contextlib import contextmanager


@contextmanager
def progressbar(iterable, *, length: int | None = None, label: str = "", silent: bool = False):
    if silent or not sys.stderr.isatty():
        yield iterable
        return
    import click

    with click.progressbar(iterable, length=length, label=label, file=sys.stderr) as bar:
        yield bar


def status(message: str, *, silent: bool = False) -> None:
    """One line on what a long step is doing, where a progress bar would show (a terminal, not silent)."""
    if not silent and sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)
