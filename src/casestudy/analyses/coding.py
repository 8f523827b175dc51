"""Apply a codebook to a corpus: coded units with exact offsets, code matrices and KWIC.

Patterns are compiled once per codebook into term specs. Each term is run through the
same pipeline as the text, so ``samarbeidsavtale`` in a pattern finds
``samarbeidsavtalene`` in a plan. Matching works on a document's token arrays: every
term becomes a boolean mask over the document's vocabulary, then over its tokens, so a
national corpus codes in seconds. The spaCy component ``casestudy_codebook`` applies
the same matcher to a Doc and puts the results in ``doc.spans``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import UsageError, check_choice
from ..model import DocumentTask, per_document
from ..text.nlp import TokenTable, tokenize_segments
from .matching import Matcher, corpus_model, run_starts, sentence_bounds, shared_lexicon

Unit = Literal["sentence", "paragraph", "turn"]
UNITS = ("sentence", "paragraph", "turn")
CODED_COLUMNS = ["document", "case", "kind", "segment", "page", "turn", "speaker", "role", "unit", "code", "label",
                 "matched", "start", "end", "hits", "negated", "text"]


class CodingTask(DocumentTask):
    """Coding of one document (see :func:`code_corpus`), runnable in the reading workers."""

    name = "coding"
    settings = ("codebook", "unit", "include_interviewer", "model")

    def __init__(self, codebook: Codebook, unit: Unit = "sentence", include_interviewer: bool = False,
                 model: str | None = None, matcher: Matcher | None = None):
        check_choice("unit", unit, UNITS)
        self.codebook, self.unit, self.include_interviewer, self.model = codebook, unit, include_interviewer, model
        self._compiled = matcher

    @classmethod
    def for_run(cls, book: Codebook, *, unit: Unit = "sentence", model: str | None = None) -> CodingTask:
        return cls(book, unit, model=model)

    def compile(self, shared: dict) -> Matcher:
        return Matcher(self.codebook, self.model, shared_lexicon(shared))

    def __call__(self, doc, tokens) -> DocumentCoding:
        return code_document(doc, tokens, self.compiled, unit=self.unit, include_interviewer=self.include_interviewer)


def code_document(doc, tokens: TokenTable, matcher: Matcher, *, unit: Unit = "sentence",
                  include_interviewer: bool = False) -> DocumentCoding:
    """The coded units of one document, sorted by segment, start and the code's place in the codebook."""
    segments = doc.segments
    found = matcher.find(tokens, [s.text for s in segments], getattr(doc, "kind", None))
    if not include_interviewer and any(s.interviewer for s in segments):
        interviewer = np.fromiter((bool(s.interviewer) for s in segments), bool, len(segments))
        found = found.take(np.flatnonzero(~interviewer[found.segment]))
    if not len(found):
        return DocumentCoding.none()
    # a unit is (segment, sentence), the turn, or the segment (a segment outside any turn is its own unit)
    seg = found.segment
    if unit == "sentence":
        outer, inner = seg, found.sent
    elif unit == "turn":
        in_turn = np.array([s.turn is not None for s in segments], bool)[seg]
        turn = np.array([s.turn or 0 for s in segments], np.int64)[seg]
        outer, inner = in_turn.astype(np.int64), np.where(in_turn, turn, seg)
    else:
        outer, inner = seg, np.zeros_like(seg)
    # one row per (unit, code): its first match (by segment, start, end, negated) and the number of matches
    order = np.lexsort((found.negated, found.end, found.start, seg, found.code, inner, outer))
    group_starts = run_starts(outer[order], inner[order], found.code[order])
    hits = np.diff(np.append(group_starts, len(order)))
    first = order[group_starts]
    in_place = np.lexsort((found.code[first], found.start[first], seg[first]))  # by segment, start, code
    first, hits = first[in_place], hits[in_place]
    seg, start, end = seg[first], found.start[first], found.end[first]
    if unit == "sentence":
        sentences = sentence_bounds(tokens)
        sentence_texts: dict[tuple, str] = {}  # one string per sentence, shared by its rows (less to copy and keep)
        texts = []
        for key in zip(seg.tolist(), found.sent[first].tolist()):
            text = sentence_texts.get(key)
            if text is None:
                a, b = sentences[key]
                text = sentence_texts[key] = segments[key[0]].text[a:b]
            texts.append(text)
    elif unit == "turn":
        turn_text = _turn_texts(doc)
        texts = [segments[i].text if segments[i].turn is None else turn_text[segments[i].turn] for i in seg.tolist()]
    else:
        texts = [segments[i].text for i in seg.tolist()]
    matched = [segments[i].text[a:b] for i, a, b in zip(seg.tolist(), start.tolist(), end.tolist())]
    return DocumentCoding(seg.astype(np.int32), found.code[first].astype(np.int32), start.astype(np.int32),
                          end.astype(np.int32), hits.astype(np.int32), found.negated[first].astype(bool), matched,
                          texts)


@dataclass(slots=True)
class DocumentCoding:
    """The coded units of one document as columns (what a reading worker sends back, far cheaper to send
    and to put in a frame than rows): one entry per (unit, code) with its first match."""

    segment: np.ndarray  # int32, the segment's index
    code: np.ndarray  # int32, the code's place in the codebook (Codebook.flat)
    start: np.ndarray  # int32, the first match's offsets in the segment's text
    end: np.ndarray
    hits: np.ndarray  # int32, the code's matches in the unit
    negated: np.ndarray  # bool
    matched: list[str]  # the first match's text
    text: list[str]  # the unit's text

    def __len__(self) -> int:
        return len(self.segment)

    @classmethod
    def none(cls) -> DocumentCoding:
        empty = np.zeros(0, np.int32)
        return cls(empty, empty, empty, empty, empty, np.zeros(0, bool), [], [])


def code_corpus(corpus, codebook: Codebook, *, unit: Unit = "sentence", include_interviewer: bool = False,
                kind: str | None = None, model: str | None = None, matcher: Matcher | None = None) -> pd.DataFrame:
    """Coded units: one row per (unit, code) with the first match's offsets in its segment's text.

    Columns: document, case, kind, segment, page, turn, speaker, role, unit, code, label,
    matched, start, end, hits (matches of the code in the unit), negated (the first match
    stands within three words after a negation such as 'ikke'), text (the unit's text).
    ``model``: the pipeline that lemmatizes the patterns (default: the one that read the corpus).
    """
    task = CodingTask(codebook, unit, include_interviewer, model or corpus_model(corpus), matcher)
    # each document's rows come sorted (see code_document): only the documents are put in order here
    coded = sorted(per_document(corpus, task, kind), key=lambda item: item[0].id)
    codes = [(c.id, c.label) for c in matcher.codes] if matcher else [(c.id, c.label or c.id) for c in codebook.flat()]
    return _coded_frame([(doc, found) for doc, found in coded if len(found)], codes, unit)


def _coded_frame(coded: list[tuple], codes: list, unit: str) -> pd.DataFrame:
    """The frame of CODED_COLUMNS from (document, DocumentCoding) pairs; ``codes``: (id, label) by place."""
    if not coded:
        frame = pd.DataFrame([], columns=CODED_COLUMNS)
        return frame.astype({"page": "Int64", "turn": "Int64"})
    lengths = [len(found) for _, found in coded]

    def repeated(values) -> np.ndarray:  # one value per document
        return np.repeat(np.array(values, object), lengths)

    # page, turn, speaker and role of each row's segment, looked up once per coded segment
    pages, turns, speakers, roles = [], [], [], []
    for doc, found in coded:
        used, inverse = np.unique(found.segment, return_inverse=True)
        role = doc.attributes.get("role")
        values = [(s.page, s.turn, s.speaker, s.role or role) for s in map(doc.segments.__getitem__, used.tolist())]
        page, turn, speaker, row_role = (np.array(column, object)[inverse] for column in zip(*values))
        pages.append(page)
        turns.append(turn)
        speakers.append(speaker)
        roles.append(row_role)

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(found, name) for _, found in coded])

    place = joined("code")
    columns = {
        "document": repeated([doc.id for doc, _ in coded]),
        "case": repeated([doc.case for doc, _ in coded]),
        "kind": repeated([doc.kind for doc, _ in coded]),
        "segment": joined("segment").astype(np.int64),
        "page": _nullable_ints(np.concatenate(pages)),
        "turn": _nullable_ints(np.concatenate(turns)),
        "speaker": np.concatenate(speakers),
        "role": np.concatenate(roles),
        "unit": np.full(len(place), unit, object),
        "code": np.array([c[0] for c in codes], object)[place],
        "label": np.array([c[1] for c in codes], object)[place],
        "matched": [m for _, found in coded for m in found.matched],
        "start": joined("start").astype(np.int64),
        "end": joined("end").astype(np.int64),
        "hits": joined("hits").astype(np.int64),
        "negated": joined("negated"),
        "text": [t for _, found in coded for t in found.text],
    }
    return pd.DataFrame(columns)


def _nullable_ints(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Whole numbers or None (an object array) as pandas' Int64."""
    missing = np.equal(values, None)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _turn_texts(doc) -> dict[int, str]:
    texts: dict[int, list[str]] = {}
    for s in doc.segments:
        if s.turn is not None:
            texts.setdefault(s.turn, []).append(s.text)
    return {turn: "\n".join(parts) for turn, parts in texts.items()}


def unit_ids(coded: pd.DataFrame) -> pd.Series:
    """A number per coded unit (document, segment, unit, text): rows of the same unit share it."""
    return coded.groupby(["document", "segment", "unit", "text"], sort=False, dropna=False).ngroup()


def code_matrix(coded: pd.DataFrame, codebook: Codebook, *, by: str = "case", rollup: bool = True,
                corpus=None, units: pd.Series | None = None) -> pd.DataFrame:
    """Units coded per group × code (wide); with ``rollup`` a child's unit also counts for its parents.

    ``by`` is a column of ``coded`` (case, document, kind, role, speaker) or, given the
    corpus, any cases.csv attribute (region, size_class, …). ``units``: :func:`unit_ids`
    of ``coded``, when several matrices of one frame are made.
    """
    ids = codebook.ids
    if by in coded.columns:
        groups = coded[by]
    elif corpus is None:
        raise UsageError(f"by must be a column of the coded frame or a cases.csv attribute, not {by!r}")
    else:
        corpus.check_attribute(by)
        groups = coded["document"].map({d.id: d.attribute(by) for d in corpus})
    # a unit is (document, segment, unit, text); with rollup a child's unit also counts for its ancestors
    rows, codes = _unit_codes(coded, codebook, rollup, unit_ids(coded) if units is None else units)
    if not len(rows):
        return pd.DataFrame(columns=[by] + ids)
    groups = groups.fillna("(mangler)").astype(str)
    number, names = pd.factorize(groups)
    present, group = np.unique(number[rows], return_inverse=True)
    labels = np.asarray(names[present], object)
    order = np.argsort(labels)  # the groups in sorted order, as a groupby gives them
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels, group = labels[order], rank[group]
    counts = np.bincount(group * len(ids) + codes, minlength=len(labels) * len(ids)).reshape(len(labels), len(ids))
    table = pd.DataFrame(counts, columns=ids)
    table.insert(0, by, pd.array(labels, dtype=groups.dtype))
    return table


def _unit_codes(coded: pd.DataFrame, codebook: Codebook, rollup: bool, units) -> tuple[np.ndarray, np.ndarray]:
    """Each (unit, code) a unit counts for once: the row it was first seen in and the code's place in
    ``codebook.ids`` (with ``rollup`` a code also counts for each of its ancestors)."""
    ids = codebook.ids
    place = {code_id: i for i, code_id in enumerate(ids)}
    targets = [[place[c] for c in [code_id] + (codebook.ancestors(code_id) if rollup else []) if c in place]
               for code_id in ids]
    number, names = pd.factorize(coded["code"])
    code = np.array([place.get(name, -1) for name in names] + [-1], np.int64)[number]  # -1: not a code of the book
    known = np.flatnonzero(code >= 0)
    code = code[known]
    width = np.array([len(t) for t in targets], np.int64)
    flat = np.array([c for t in targets for c in t], np.int64)
    offset = np.concatenate(([0], np.cumsum(width)[:-1]))
    n = width[code]
    rows = np.repeat(known, n)
    within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    expanded = flat[np.repeat(offset[code], n) + within]
    key = np.asarray(units, np.int64)[rows] * len(ids) + expanded
    _, first = np.unique(key, return_index=True)
    first.sort()
    return rows[first], expanded[first]


def code_texts(texts: list[str], codebook: Codebook, *, rollup: bool = False, model: str | None = None,
               matcher: Matcher | None = None, kinds: list[str] | None = None) -> list[set[str]]:
    """The codes found in each of ``texts`` (a quick way to try a codebook on sentences in a notebook).
    ``kinds``: each text's document kind (plan, interview), for codes that apply to one kind or need
    context in one; None: every code applies, and weak patterns need their context."""
    matcher = matcher or Matcher(codebook, model)
    texts = list(texts)
    found: list[set[str]] = [set() for _ in texts]
    groups = {None: list(range(len(texts)))} if kinds is None else {
        kind: [i for i, k in enumerate(kinds) if k == kind] for kind in dict.fromkeys(kinds)}
    for kind, positions in groups.items():
        part = [texts[i] for i in positions]
        if not part:
            continue
        tokens = tokenize_segments(part, model)
        for code_id, seg, *_ in matcher.matches(tokens, part, kind):
            found[positions[seg]].add(code_id)
    if rollup:
        found = [expand_ancestors(codes, codebook) for codes in found]
    return found


def expand_ancestors(codes, codebook: Codebook) -> set[str]:
    """The codes with all their ancestors added."""
    out = set(codes)
    for code_id in codes:
        if code_id in codebook:
            out.update(codebook.ancestors(code_id))
    return out


def coding_frames(corpus, codebook: Codebook, *, unit: Unit = "sentence", by: str | None = None,
                  coded: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """coded_segments and the code matrices by case, by document and by ``by``, keyed by file stem
    (``coded``: the coded frame when it is made already)."""
    coded = code_corpus(corpus, codebook, unit=unit) if coded is None else coded
    return {"coded_segments": coded, **code_matrices(coded, codebook, by=by, corpus=corpus)}


def code_matrices(coded: pd.DataFrame, codebook: Codebook, *, by: str | None = None, corpus=None,
                  units: pd.Series | None = None) -> dict:
    """The code matrices by case, by document and by ``by``, keyed by file stem (``units``: :func:`unit_ids`
    of ``coded``, when made already)."""
    units = unit_ids(coded) if units is None else units
    frames = {
        "code_matrix": code_matrix(coded, codebook, by="case", units=units),
        "code_matrix_documents": code_matrix(coded, codebook, by="document", units=units),
    }
    if by and by not in ("case", "document"):
        frames[f"code_matrix_{by}"] = code_matrix(coded, codebook, by=by, corpus=corpus, units=units)
    return frames


def words_per_group(corpus, by: str = "case", *, include_interviewer: bool = False) -> pd.Series:
    """The number of words (tokens with a letter) per group of ``by``, interviewer turns left out."""
    from ..text.nlp import ALPHA

    counts: dict[str, int] = {}
    for doc, tokens in corpus.tokenized():
        words = (tokens.flags & ALPHA) != 0
        speaker = np.array([include_interviewer or not s.interviewer for s in doc.segments], bool)
        if len(speaker):
            words &= speaker[tokens.segment]
        if by in ("role", "speaker"):
            fallback = doc.attributes.get(by) or doc.kind
            groups = [str(getattr(s, by) or fallback) for s in doc.segments]
            # words per segment, added up per group (a plan's segments are all one group)
            per_segment = np.bincount(tokens.segment[words], minlength=len(groups)).tolist()
            for group, n in zip(groups, per_segment):
                if n:
                    counts[group] = counts.get(group, 0) + n
        else:
            value = doc.attribute(by)
            group = str(value) if value not in (None, "") else "(mangler)"
            counts[group] = counts.get(group, 0) + int(words.sum())
    return pd.Series(counts, dtype="int64").sort_index()


def code_rates(coded: pd.DataFrame, codebook: Codebook, corpus, *, by: str = "case", per: int = 1000,
               top_level: bool = True, units: pd.Series | None = None, words: pd.Series | None = None
               ) -> pd.DataFrame:
    """Coded units per ``per`` words of each group (rows: groups of ``by``, columns: codes, the top-level
    codes by default, a child counting for its parent): how often a case or a role speaks of each theme,
    comparable across documents of different length. ``units``: :func:`unit_ids` of ``coded`` and
    ``words``: :func:`words_per_group` of ``by``, when made already."""
    corpus.check_attribute(by)
    if by in ("role", "speaker"):  # a plan has none: it counts under its kind, as word_counts groups it
        coded = coded.assign(**{by: coded[by].where(coded[by].notna() & (coded[by] != ""), coded["kind"])})
    matrix = code_matrix(coded, codebook, by=by, corpus=corpus, units=units).set_index(by)
    words = words_per_group(corpus, by) if words is None else words
    codes = [c.id for c in codebook.codes] if top_level else codebook.ids
    matrix = matrix.reindex(index=words.index, columns=codes, fill_value=0).fillna(0)
    rates = matrix.div(words.where(words > 0), axis=0) * per
    rates.index.name = by
    return rates.round(2)


def code_cooccurrence(coded: pd.DataFrame, codebook: Codebook, *, rollup: bool = True,
                      units: pd.Series | None = None) -> pd.DataFrame:
    """Code × code: the number of coded units that have both codes (the diagonal: units with the code), for
    the codes that occur, in the codebook's order; with ``rollup`` a child also counts for its parents.
    ``units``: :func:`unit_ids` of ``coded``, when made already."""
    units = unit_ids(coded) if units is None else units
    rows, codes = _unit_codes(coded, codebook, rollup, units)
    ids = codebook.ids
    if not len(rows):
        return pd.DataFrame(dtype="int64")
    from scipy import sparse

    units = np.asarray(units, np.int64)[rows]
    matrix = sparse.csr_matrix((np.ones(len(units), np.float64), (units, codes)), shape=(units.max() + 1, len(ids)))
    both = np.rint((matrix.T @ matrix).toarray()).astype(np.int64)
    used = [j for j in range(len(ids)) if both[j, j]]
    return pd.DataFrame(both[np.ix_(used, used)], index=[ids[j] for j in used], columns=[ids[j] for j in used])
