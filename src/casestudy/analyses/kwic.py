"""Keyword in context: every match of a lemma pattern (or of a code) with the words around it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import Code, Codebook
from ..errors import UsageError
from .matching import Matcher, corpus_model


KWIC_COLUMNS = ["document", "case", "kind", "segment", "page", "turn", "speaker", "role", "pattern", "left",
                "match", "right", "start", "end"]


def kwic(corpus, pattern: str, *, codebook: Codebook | None = None, window: int = 8, include_interviewer=False,
         model: str | None = None) -> pd.DataFrame:
    """Keyword in context for a lemma pattern (or, given a codebook, a code id): window words each side."""
    if window < 0:
        raise UsageError(f"window must be 0 or more words, not {window}")
    if codebook is not None and pattern in codebook:
        code = codebook[pattern]
        sub = Codebook(name="kwic", codes=[_detached(code)])
    else:

        sub = Codebook(name="kwic", codes=[Code(id="kwic", label=pattern, patterns=[pattern])])
    matcher = Matcher(sub, model or corpus_model(corpus))
    rows = []
    for doc, tokens in corpus.tokenized():
        texts = [s.text for s in doc.segments]
        for _, seg, start, end, _, _ in sorted(set(matcher.matches(tokens, texts)), key=lambda m: (m[1], m[2])):
            segment = doc.segments[seg]
            if segment.interviewer and not include_interviewer:
                continue
            in_seg = np.flatnonzero(tokens.segment == seg)
            starts = tokens.start[in_seg]
            ends = tokens.end[in_seg]
            before = in_seg[ends <= start][-window:] if window else []
            after = in_seg[starts >= end][:window] if window else []
            left = segment.text[tokens.start[before[0]]:start].strip() if len(before) else ""
            right = segment.text[end:tokens.end[after[-1]]].strip() if len(after) else ""
            rows.append((doc.id, doc.case, doc.kind, seg, segment.page, segment.turn, segment.speaker,
                         segment.role or doc.attributes.get("role"), pattern, left, segment.text[start:end], right,
                         start, end))
    frame = pd.DataFrame(rows, columns=KWIC_COLUMNS)
    for column in ("page", "turn"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _detached(code):
    """A code with its children's patterns folded in, so KWIC on a parent finds its sub-codes too."""
    from dataclasses import replace

    patterns, exclude, regex = list(code.patterns), list(code.exclude), list(code.regex)
    for child in code.children:
        flat = _detached(child)
        patterns += flat.patterns
        exclude += flat.exclude
        regex += flat.regex
    return replace(code, patterns=patterns, exclude=exclude, regex=regex, children=[])


def unknown_code_hint(pattern: str, codebook: Codebook | None) -> str | None:
    """When ``pattern`` looks like a mistyped code id of ``codebook`` (it is none, but close to one, or
    has the '_' of an id), a line saying so and which ids are near; else None."""
    import difflib

    if codebook is None or pattern in codebook or " " in pattern:
        return None
    near = difflib.get_close_matches(pattern, codebook.ids, n=3, cutoff=0.75)
    if not near and "_" not in pattern:
        return None
    where = codebook.path or codebook.name
    guess = f"did you mean {', '.join(near)}?" if near else f"its codes: {', '.join(codebook.ids)}"
    return f"{pattern!r} is not a code of {where} ({guess}); it was searched as a word pattern"
