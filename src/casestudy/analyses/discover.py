"""Inductive discovery: candidate codes from the data, to grow a codebook after its deductive start.

Three sources of candidates, all over the same units (sentences of informant speech
and plan text, stop words removed):

- keyness: lemmas and 2–3-grams used more in one group than in the rest
  (Dunning's log-likelihood G², with the log ratio as effect size);
- topics: TF-IDF + NMF over units, each topic with its top terms and example units;
- co-occurrence: terms over-represented in units of an existing code but not yet among
  its patterns (so the code may be missing them).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codebook import Code, Codebook, slug_id
from ..errors import UsageError
from .frequency import countable, group_keys, speech_mask
from ..text.nlp import load_stopwords

CANDIDATE_COLUMNS = ["candidate", "source", "group", "term", "top_terms", "score", "effect", "n_units", "examples"]


@dataclass
class UnitTable:
    """Units (sentences) with their content lemmas and where they come from."""

    terms: list[list[str]]
    refs: list[str]
    texts: list[str]
    groups: list[str]
    keys: list[tuple[str, int, int]]  # (document, segment, sentence)


def units(corpus, *, by: str | None = "kind", stopwords=None, ngrams: tuple[int, ...] = (1, 2, 3)) -> UnitTable:
    """Sentence units of the corpus (interviewer turns left out) with lemmas and n-grams of content words."""
    stop = stopwords if isinstance(stopwords, frozenset) else load_stopwords(stopwords)
    table = UnitTable([], [], [], [], [])
    for doc, tokens in corpus.tokenized():
        if not len(tokens):
            continue
        keep = countable(tokens, stop) & speech_mask(doc, tokens)
        groups = group_keys(doc, by)
        lemmas = [tokens.strings[i] for i in tokens.lemma]
        bounds: dict[tuple[int, int], list[int]] = {}
        for k, (seg, sent) in enumerate(zip(tokens.segment.tolist(), tokens.sent.tolist())):
            bounds.setdefault((seg, sent), []).append(k)
        for (seg, sent), idx in bounds.items():
            words = [lemmas[k] if keep[k] else None for k in idx]
            terms = [w for w in words if w]
            if len(terms) < 2:
                continue
            for n in ngrams:
                if n > 1:
                    terms += [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)
                              if all(words[i:i + n])]
            segment = doc.segments[seg]
            start, end = tokens.start[idx[0]], tokens.end[idx[-1]]
            where = f"s. {segment.page}" if segment.page else f"tur {segment.turn}" if segment.turn else ""
            table.terms.append(terms)
            table.refs.append(f"{doc.id} {where}".strip())
            table.texts.append(segment.text[start:end])
            table.groups.append(groups[seg])
            table.keys.append((doc.id, seg, sent))
    return table


def log_likelihood(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Dunning's G² and log2 ratio for a term with frequency a in a corpus of size c vs b in size d."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    g2 = 2 * ((a * math.log(a / e1) if a else 0) + (b * math.log(b / e2) if b else 0))
    ratio = math.log2(((a + 0.5) / c) / ((b + 0.5) / d))
    return g2, ratio


def keyness(table: UnitTable, *, top: int = 15, min_count: int = 3) -> list[tuple]:
    """Terms over-used in each group compared to all other groups, strongest first."""
    by_group: dict[str, Counter] = {}
    for terms, group in zip(table.terms, table.groups):
        by_group.setdefault(group, Counter()).update(terms)
    total = Counter()
    for counter in by_group.values():
        total.update(counter)
    size_all = sum(total.values())
    rows = []
    if len(by_group) < 2:
        return rows
    for group in sorted(by_group):
        counter = by_group[group]
        size = sum(counter.values())
        scored = []
        for term, a in counter.items():
            b = total[term] - a
            if a < min_count:
                continue
            g2, ratio = log_likelihood(a, b, size, size_all - size)
            if ratio > 0 and g2 >= 3.84:  # p < 0.05
                scored.append((g2, ratio, term, a))
        for g2, ratio, term, a in sorted(scored, key=lambda s: (-s[0], s[2]))[:top]:
            rows.append(("keyness", group, term, "", round(g2, 3), round(ratio, 3), a,
                         _examples(table, lambda terms: term in terms)))
    return rows


def topics(table: UnitTable, *, n_topics: int = 8, top_terms: int = 8, seed: int = 0) -> list[tuple]:
    """TF-IDF + NMF topics over the units; each with its top terms and best example units."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [[t for t in terms if " " not in t] for terms in table.terms]
    if len(docs) < max(10, n_topics * 2):
        return []
    vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, min_df=2, max_df=0.5, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no term left after min_df/max_df
        return []
    n_topics = min(n_topics, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if n_topics < 1:
        return []
    model = NMF(n_components=n_topics, random_state=seed, init="nndsvda", max_iter=400)
    weights = model.fit_transform(matrix)
    vocab = np.array(vectorizer.get_feature_names_out())
    rows = []
    for k, component in enumerate(model.components_):
        order = np.argsort(-component, kind="stable")[:top_terms]
        best = np.argsort(-weights[:, k], kind="stable")[:3]
        share = float(weights[:, k].sum() / weights.sum()) if weights.sum() else 0.0
        n_units = int((weights.argmax(axis=1) == k).sum())
        examples = " | ".join(f"{table.refs[i]}: {_short(table.texts[i])}" for i in best if weights[i, k] > 0)
        rows.append(("topic", f"topic_{k + 1}", vocab[order[0]], ", ".join(vocab[order]), round(share, 4), None,
                     n_units, examples))
    return rows


def cooccurrence(table: UnitTable, coded: pd.DataFrame, codebook: Codebook, *, top: int = 8,
                 min_count: int = 3) -> list[tuple]:
    """For each code, terms over-represented in its units that none of its patterns already finds."""
    if coded is None or coded.empty:
        return []
    by_segment: dict[tuple[str, int], list[int]] = {}
    for i, (doc_id, seg, _) in enumerate(table.keys):
        by_segment.setdefault((doc_id, seg), []).append(i)
    rows = []
    all_counts = Counter()
    for terms in table.terms:
        all_counts.update(set(terms))
    n_all = len(table.terms)
    for code in codebook.flat():
        part = coded[coded["code"] == code.id]
        members = set()
        for doc_id, seg, text in zip(part["document"], part["segment"], part["text"]):
            for i in by_segment.get((doc_id, seg), ()):
                if table.texts[i] in text or text in table.texts[i]:
                    members.add(i)
        if len(members) < 2:
            continue
        inside = Counter()
        for i in members:
            inside.update(set(table.terms[i]))
        known = _pattern_words(code)
        scored = []
        for term, a in inside.items():
            if a < min_count or any(w in known for w in term.split()):
                continue
            b = all_counts[term] - a
            g2, ratio = log_likelihood(a, b, len(members), max(n_all - len(members), 1))
            if ratio > 0 and g2 >= 3.84:
                scored.append((g2, ratio, term, a))
        for g2, ratio, term, a in sorted(scored, key=lambda s: (-s[0], s[2]))[:top]:
            rows.append(("cooccurrence", code.id, term, "", round(g2, 3), round(ratio, 3), a,
                         _examples(table, lambda terms: term in terms, among=members)))
    return rows


def _pattern_words(code: Code) -> set[str]:
    from ..text.nlp import lemmatize

    words = set()
    for pattern in code.patterns:
        for word in pattern.split():
            words.add(word.lower().strip("*"))
            words.add(lemmatize(word.strip("*")))
    return words


def _short(text: str, n: int = 140) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _examples(table: UnitTable, test, among=None, n: int = 3) -> str:
    picked = []
    for i, terms in enumerate(table.terms):
        if (among is None or i in among) and test(terms):
            picked.append(f"{table.refs[i]}: {_short(table.texts[i])}")
            if len(picked) == n:
                break
    return " | ".join(picked)


def discover(corpus, *, codebook: Codebook | None = None, coded: pd.DataFrame | None = None, by: str = "kind",
             n_topics: int = 8, top: int = 15, stopwords=None) -> pd.DataFrame:
    """Candidate codes from keyness, topics and (given a codebook) co-occurrence; see module docs."""
    if n_topics < 0 or top < 1:
        raise UsageError("n_topics must be ≥ 0 and top ≥ 1")
    table = units(corpus, by=by, stopwords=stopwords)
    rows = keyness(table, top=top)
    rows += topics(table, n_topics=n_topics) if n_topics else []
    if codebook is not None:
        if coded is None:
            from .coding import code_corpus

            coded = code_corpus(corpus, codebook)
        rows += cooccurrence(table, coded, codebook)
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS[1:])
    frame.insert(0, "candidate", [f"c{i + 1:03d}" for i in range(len(frame))])
    return frame


#: How many candidates ``discover --write`` adds when none are selected.
DEFAULT_MAX_CANDIDATES = 20


def top_candidates(candidates: pd.DataFrame, n: int = DEFAULT_MAX_CANDIDATES) -> pd.DataFrame:
    """The first ``n`` candidates taken in turn from each source (keyness, topic, co-occurrence), each
    source's in its own rank order: scores of different sources do not compare."""
    if n < 1:
        raise UsageError(f"max must be 1 or more, not {n}")
    rank = candidates.groupby("source", sort=False).cumcount()
    order = sorted(range(len(candidates)), key=lambda i: (int(rank.iloc[i]), i))
    return candidates.iloc[order[:n]].sort_index()


def add_candidates(codebook: Codebook, candidates: pd.DataFrame, selected: list[str] | None = None, *,
                   max_codes: int = DEFAULT_MAX_CANDIDATES) -> Codebook:
    """A copy of ``codebook`` with candidates added as inductive codes under 'inductive': the ``selected``
    ids, else the top ``max_codes`` (see :func:`top_candidates`). Ids are made from the terms by the
    codebook's id rule (``slug_id``: æ→ae, ø→oe, å→aa), so the written codebook validates."""
    import copy

    missing = set(selected or []) - set(candidates["candidate"])
    if missing:
        raise UsageError(f"unknown candidate id(s): {', '.join(sorted(missing))}")
    chosen = top_candidates(candidates, max_codes) if not selected else candidates[candidates["candidate"].isin(selected)]
    book = copy.deepcopy(codebook)
    existing = set(book.ids)
    children = []
    for row in chosen.itertuples():
        terms = [t.strip() for t in (row.top_terms or row.term).split(",")][:5] if row.source == "topic" else [row.term]
        base = "ind_" + slug_id(row.term)
        code_id, n = base, 2
        while code_id in existing:
            code_id, n = f"{base}_{n}", n + 1
        existing.add(code_id)
        where = f" (co-occurs with {row.group})" if row.source == "cooccurrence" else f" ({row.group})"
        children.append(Code(
            id=code_id, label=row.term, origin="inductive", patterns=terms,
            description=f"Candidate from the data, {row.source}{where}; score {row.score}. Review before use.",
            examples=[e.split(": ", 1)[-1] for e in (row.examples or "").split(" | ") if e][:2],
        ))
    if children:
        if "inductive" in existing and any(c.id == "inductive" for c in book.codes):
            next(c for c in book.codes if c.id == "inductive").children.extend(children)
        else:
            book.codes.append(Code(id="inductive", label="Induktive koder", origin="inductive", children=children,
                                   description="Codes found in the data (casestudy discover); review each."))
    return book
