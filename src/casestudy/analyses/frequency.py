"""Word counts and word clouds of lemmas, with stop words, numbers and punctuation left out."""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Document
from ..text.nb import COUNT_SUFFIXES, COUNT_VARIANTS, NOT_WORDS
from ..text.clean import contents_segments
from ..text.nlp import ALPHA, NUM, TokenTable, load_stopwords

COUNT_COLUMNS = ["group", "lemma", "count", "share", "rank", "forms"]
#: Attributes that belong to a speaker turn rather than to the whole document.
SEGMENT_ATTRIBUTES = ("role", "speaker")
MISSING_GROUP = "(mangler)"


def group_keys(doc: Document, by: str | None) -> list[str]:
    """The group of every segment of ``doc`` for grouping attribute ``by`` (None: one group, 'alle')."""
    if by is None:
        return ["alle"] * len(doc.segments)
    if by in SEGMENT_ATTRIBUTES:
        # a plan has no speaker or role: it is grouped under its kind ('plan')
        fallback = doc.attributes.get(by) or doc.kind
        return [str(getattr(s, by) or fallback) for s in doc.segments]
    value = doc.attribute(by)
    return [str(value) if value not in (None, "") else MISSING_GROUP] * len(doc.segments)


def countable(tokens: TokenTable, stopwords: frozenset[str], *, min_length: int = 2) -> np.ndarray:
    """Boolean mask of the tokens that count as words: letters, no number, not a stop word."""
    if not len(tokens):
        return np.zeros(0, dtype=bool)
    strings = tokens.strings  # the document's distinct strings (2 million over the national corpus): set operations
    stop = np.fromiter(map(len, strings), np.int64, len(strings)) < min_length
    found = stopwords.intersection(strings)
    if found:
        position = dict(zip(strings, range(len(strings))))
        stop[[position[s] for s in found]] = True
    # not words, by the lemma: addresses, links, file and archive numbers, abbreviations with a full stop,
    # and first parts of coordinated compounds the context could not complete ('helse-')
    not_word = stop | np.fromiter(map(_not_a_word, strings), bool, len(strings))
    letters = (tokens.flags & ALPHA).astype(bool) & ~(tokens.flags & NUM).astype(bool)
    return letters & ~stop[tokens.lower] & ~not_word[tokens.lemma]


@functools.lru_cache(maxsize=400_000)  # the same strings recur in every document
def _not_a_word(string: str) -> bool:
    return bool(NOT_WORDS.search(string)) or string.endswith(("-", "."))


def speech_mask(doc: Document, tokens: TokenTable, include_interviewer: bool = False) -> np.ndarray:
    """Tokens of what a document says: outside interviewer turns (unless ``include_interviewer``) and
    outside a plan's table of contents (its headings would count twice)."""
    if not len(tokens):
        return np.ones(0, dtype=bool)
    skip = np.zeros(len(doc.segments), bool)
    if not include_interviewer:
        skip |= np.fromiter((s.interviewer for s in doc.segments), bool, len(doc.segments))
    if doc.kind == "plan":
        skip[list(contents_segments(doc.segments))] = True
    return ~skip[tokens.segment]


def word_counts(
    corpus,
    *,
    by: str | None = None,
    top: int | None = None,
    stopwords: frozenset[str] | str | Path | None = None,
    include_interviewer: bool = False,
    kind: str | None = None,
    total: bool = False,
) -> pd.DataFrame:
    """Lemma frequencies per group: columns group, lemma, count, share, rank.

    ``share`` is the lemma's count over all counted words of its group; ``rank`` is 1 for
    the most frequent, ties share a rank and are listed alphabetically. ``total``: the
    counts over every group come first, as group 'alle' (what ``by=None`` gives), from
    the same pass over the tokens.
    """
    if top is not None and top < 1:
        from ..errors import UsageError

        raise UsageError(f"top must be a positive number, not {top}")
    if hasattr(corpus, "check_attribute"):
        corpus.check_attribute(by)
    if not isinstance(stopwords, frozenset):
        stopwords = load_stopwords(stopwords)
    names = {name for name in getattr(corpus, "case_names", ()) if " " not in name}
    if names:  # the cases' own names (Fjordvik) are not words of what informants say about the work
        stopwords = stopwords | names
    counters: dict[str, Counter] = {}
    for doc, tokens in corpus.tokenized(kind):
        if not len(tokens):
            continue
        mask = countable(tokens, stopwords) & speech_mask(doc, tokens, include_interviewer)
        keys = np.array(group_keys(doc, by), dtype=object)
        token_groups = keys[tokens.segment]
        for group in pd.unique(token_groups[mask]):
            selected = tokens.lemma[mask & (token_groups == group)]
            ids, counts = np.unique(selected, return_counts=True)
            counter = counters.setdefault(group, Counter())
            for i, n in zip(ids.tolist(), counts.tolist()):
                counter[tokens.strings[i]] += n
    groups = [(group, counters[group]) for group in sorted(counters)]
    if total and by is not None:
        groups.insert(0, ("alle", sum(counters.values(), Counter())))
    frames = [_count_frame(group, counter, top) for group, counter in groups]
    if not frames:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[COUNT_COLUMNS]


def count_lemma(lemma: str) -> str:
    """The lemma a word is counted under: Nynorsk and variant spellings under one Bokmål form
    (førebyggande → forebyggende, barnevernsteneste → barnevernstjeneste; text/nb.py COUNT_VARIANTS)."""
    if lemma in COUNT_VARIANTS:
        return COUNT_VARIANTS[lemma]
    for ending, bokmaal in COUNT_SUFFIXES:
        if lemma.endswith(ending):
            return lemma[: len(lemma) - len(ending)] + bokmaal
    return lemma


def _merged(counter: Counter) -> tuple[Counter, dict[str, list[str]]]:
    """The counts under counting lemmas (see :func:`count_lemma`) and the lemmas each one merges."""
    merged: Counter = Counter()
    forms: dict[str, list[str]] = {}
    for lemma, n in counter.items():
        key = count_lemma(lemma)
        merged[key] += n
        forms.setdefault(key, []).append(lemma)
    return merged, forms


def _count_frame(group: str, counter: Counter, top: int | None) -> pd.DataFrame:
    counter, forms = _merged(counter)
    total = sum(counter.values())
    frame = pd.DataFrame(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])), columns=["lemma", "count"])
    frame.insert(0, "group", group)
    frame["share"] = (frame["count"] / total).round(6)
    frame["rank"] = frame["count"].rank(method="min", ascending=False).astype(int)
    # the spellings a counting lemma merges, when it merges more than itself
    frame["forms"] = ["; ".join(sorted(forms[lemma])) if forms[lemma] != [lemma] else "" for lemma in frame["lemma"]]
    return frame.head(top) if top else frame


