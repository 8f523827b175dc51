"""Analyses: each turns a read corpus into result frames with stable columns.

The ANALYSES table lists the analyses a run does per document while the corpus is read (see
``model.DocumentTask``): what each is given (a codebook, a checklist or nothing), its task class,
the function that makes its frames, and the kind of document without which it is left out. ``pipeline.py`` reads the
table; adding such an analysis is one module here plus one entry (see README, "Extending casestudy").
Analyses never import the reading engine (``engine/``): the pipeline joins the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .coding import CodingTask, coding_frames
from .plancheck import AssessTask, plancheck_frames
from .profile import ProfileTask, profile_frames


@dataclass(frozen=True)
class Analysis:
    """An analysis a run does: ``uses`` is what it is given ('codebook': each coding codebook, 'checklist':
    the first checklist, None: nothing), ``task`` its DocumentTask class (with a ``for_run(book, unit=,
    model=)`` constructor), ``frames`` the function that makes its frames; ``only_with``: the run leaves it out when the corpus has
    no document of this kind."""

    name: str
    uses: str | None
    task: type
    frames: Callable
    only_with: str | None = None


ANALYSES: dict[str, Analysis] = {
    "coding": Analysis("coding", "codebook", CodingTask, coding_frames),
    "plancheck": Analysis("plancheck", "checklist", AssessTask, plancheck_frames),
    "profile": Analysis("profile", None, ProfileTask, profile_frames, only_with="plan"),
}
