"""Apply a codebook to a corpus: coded units with exact offsets, code matrices and KWIC.

Patterns are compiled once per codebook into term specs. Each term is run through the
same pipeline as the text, so ``samarbeidsavtale`` in a pattern finds
``samarbeidsavtalene`` in a plan. Matching works on a document's token arrays: every
term becomes a boolean mask over the document's vocabulary, then over its tokens, so a
national corpus codes in seconds. The spaCy component ``casestudy_codebook`` applies
the same matcher to a Doc and puts the results in ``doc.spans``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .codebook import Codebook
from .errors import UsageError, check_choice
from .nlp import TokenTable, tokenize_segments
from .process import DocumentTask, per_document

Unit = Literal["sentence", "paragraph", "turn"]
UNITS = ("sentence", "paragraph", "turn")
CODED_COLUMNS = ["document", "case", "kind", "segment", "page", "turn", "speaker", "role", "unit", "code", "label",
                 "matched", "start", "end", "hits", "negated", "text"]
KWIC_COLUMNS = ["document", "case", "kind", "segment", "page", "turn", "speaker", "role", "pattern", "left",
                "match", "right", "start", "end"]
#: Words that negate a match when they stand up to three words before it in the same sentence.
NEGATORS = frozenset({"ikke", "ikkje", "aldri", "ingen", "inga", "ingenting", "intet", "uten", "utan", "mangle",
                      "mangler", "manglar", "verken", "hverken"})
NEGATION_WINDOW = 3
_NONE = np.zeros(0, np.int64)


@dataclass(frozen=True)
class Term:
    """One token position of a pattern: an exact form/lemma, or a glob over lemma and form."""

    lower: str
    lemma: str
    glob: re.Pattern | None = None


@dataclass
class Pattern:
    text: str
    terms: tuple[Term, ...]


@dataclass
class CompiledCode:
    id: str
    label: str
    patterns: list[Pattern]
    exclude: list[Pattern]
    regex: list[re.Pattern]
    negation: str
    pattern_ids: list[tuple[int, ...]] = field(default_factory=list)
    exclude_ids: list[tuple[int, ...]] = field(default_factory=list)


def _word_terms(words: list[str], model: str | None = None) -> dict[str, tuple[Term, ...]]:
    """Run pattern words through the text pipeline in one batch: word → its token terms."""
    unique = sorted(set(words))
    table = tokenize_segments(unique, model) if unique else None
    terms: dict[str, list[Term]] = {w: [] for w in unique}
    if table is not None:
        for k in range(len(table)):
            terms[unique[table.segment[k]]].append(Term(table.strings[table.lower[k]], table.strings[table.lemma[k]]))
    return {w: tuple(t) for w, t in terms.items()}


def _is_glob(word: str) -> bool:
    return "*" in word or "?" in word


def compile_pattern(text: str, model: str | None = None, lexicon: dict[str, tuple[Term, ...]] | None = None
                    ) -> Pattern:
    """Split a pattern into terms; plain terms are lemmatized by the text pipeline, globs are kept as globs."""
    words = text.split()
    if lexicon is None:
        lexicon = _word_terms([w for w in words if not _is_glob(w)], model)
    terms: list[Term] = []
    for word in words:
        if _is_glob(word):
            lowered = word.lower()
            terms.append(Term(lowered, lowered, re.compile(fnmatch.translate(lowered))))
        else:
            terms.extend(lexicon[word])
    return Pattern(text, tuple(terms))


class Lexicon:
    """Every term of the matchers of a process, numbered once, and the last document's index.

    The coding, the plan check and the profile each have a :class:`Matcher`; sharing the
    terms lets the three look a document's vocabulary up once (a worker runs them one
    after the other on each document). Term ids only grow: a matcher compiled later adds
    its terms and clears what was looked up before.
    """

    def __init__(self):
        self.ids: dict[Term, int] = {}
        self._exact: dict[str, list[int]] = {}  # lemma or form → the exact terms it satisfies
        self._globs: list[tuple[int, re.Pattern]] = []
        self._any_glob: re.Pattern | None = None
        self._memo: dict[str, tuple[int, ...]] = {}  # string → the term ids it satisfies
        self._last: DocumentIndex | None = None

    def add(self, terms) -> None:
        new = sorted(set(terms) - self.ids.keys(), key=lambda t: (t.lower, t.lemma, t.glob is not None))
        for term in new:
            i = self.ids[term] = len(self.ids)
            if term.glob is None:
                for form in {term.lemma, term.lower}:
                    self._exact.setdefault(form, []).append(i)
            else:
                self._globs.append((i, term.glob))
        if new:
            self._any_glob = re.compile("|".join(f"(?:{g.pattern})" for _, g in self._globs)) if self._globs else None
            self._memo.clear()
            self._last = None

    def _terms_of(self, string: str) -> tuple[int, ...]:
        found = list(self._exact.get(string, ()))
        if self._any_glob is not None and self._any_glob.match(string):
            found += [i for i, glob in self._globs if glob.match(string)]
        hits = self._memo[string] = tuple(found)
        return hits

    def index(self, tokens: TokenTable) -> DocumentIndex:
        """The terms present in a document (kept for the last document asked about)."""
        if self._last is not None and self._last.tokens is tokens:
            return self._last
        memo, lookup = self._memo, self._terms_of
        present: dict[int, list[int]] = {}
        for i, string in enumerate(tokens.strings):
            hits = memo.get(string)
            if hits is None:
                hits = lookup(string)
            for term in hits:
                if term in present:
                    present[term].append(i)
                else:
                    present[term] = [i]
        self._last = DocumentIndex(tokens, present)
        return self._last


#: One per process: terms are model-independent (each is a form and a lemma, found by the model that
#: compiled it), so every matcher can share them.
LEXICON = Lexicon()


class DocumentIndex:
    """A document's tokens as seen by the lexicon: the string ids each present term matches, and on
    demand the sorted token positions of a term and the negated tokens.

    A term is present when a string of the document satisfies it; its positions are then never
    empty (every string of a table is some token's form or lemma).
    """

    def __init__(self, tokens: TokenTable, present: dict[int, list[int]]):
        self.tokens = tokens
        self.present = present
        self._positions: dict[int, np.ndarray] = {}
        self._strings = None
        self._negated = None

    @property
    def negated(self) -> np.ndarray:
        if self._negated is None:
            self._negated = _negated_tokens(self.tokens)
        return self._negated

    def _string_index(self):
        """The token positions of every string, as lemma and as form ((sorted positions, bounds per
        string id) each), each form's lemma, and whether every form has one lemma."""
        if self._strings is None:
            tokens = self.tokens
            n_strings = len(tokens.strings)
            columns = []
            # (a stable sort of 16-bit keys is a radix sort: several times faster than of the int32 ids)
            small = np.uint16 if n_strings <= np.iinfo(np.uint16).max + 1 else None
            for column in (tokens.lemma, tokens.lower):
                order = np.argsort(column if small is None else column.astype(small), kind="stable")
                bounds = np.concatenate(([0], np.cumsum(np.bincount(column, minlength=n_strings))))
                columns.append((order, bounds))
            # a form whose tokens all have a lemma the term also matches adds no tokens of its own
            lemma_of = np.full(n_strings, -1, np.int64)
            lemma_of[tokens.lower] = tokens.lemma
            self._strings = (*columns, lemma_of, bool((lemma_of[tokens.lower] == tokens.lemma).all()))
        return self._strings

    def positions(self, term: int) -> np.ndarray:
        """Sorted positions of the tokens a present term matches (by lemma or form)."""
        found = self._positions.get(term)
        if found is not None:
            return found
        ids = self.present[term]
        (by_lemma, lemma_bounds), (by_form, form_bounds), lemma_of, one_lemma_per_form = self._string_index()
        parts = [part for i in ids if len(part := by_lemma[lemma_bounds[i]:lemma_bounds[i + 1]])]
        covered = len(parts)
        parts += [part for i in ids if not (one_lemma_per_form and lemma_of[i] in ids)
                  and len(part := by_form[form_bounds[i]:form_bounds[i + 1]])]
        if len(parts) == 1:  # sorted already: the sort is stable
            found = parts[0]
        elif covered == len(parts):  # lemma parts of different lemmas do not overlap
            found = np.sort(np.concatenate(parts))
        else:
            found = np.unique(np.concatenate(parts))
        self._positions[term] = found
        return found


class Matcher:
    """A compiled codebook: finds every code's matches in a document's tokens."""

    def __init__(self, codebook: Codebook, model: str | None = None):
        self.codebook = codebook
        self.codes: list[CompiledCode] = []
        every = [w for c in codebook.flat() for p in c.patterns + c.exclude for w in p.split() if not _is_glob(w)]
        lexicon = _word_terms(every, model)
        for code in codebook.flat():
            self.codes.append(CompiledCode(
                code.id, code.label or code.id,
                [compile_pattern(p, model, lexicon) for p in code.patterns],
                [compile_pattern(p, model, lexicon) for p in code.exclude],
                [re.compile(r, re.IGNORECASE) for r in code.regex],
                code.negation,
            ))
        # terms are numbered by the shared lexicon: dictionaries keyed by int are far cheaper than by dataclass
        LEXICON.add(t for c in self.codes for p in c.patterns + c.exclude for t in p.terms)
        term_id = LEXICON.ids
        # the patterns by their first term: a document is only tried with patterns whose first term it has
        self._by_first: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        for index, code in enumerate(self.codes):
            code.pattern_ids = [tuple(term_id[t] for t in p.terms) for p in code.patterns]
            code.exclude_ids = [tuple(term_id[t] for t in p.terms) for p in code.exclude]
            for pattern in code.pattern_ids:
                if pattern:
                    self._by_first.setdefault(pattern[0], []).append((index, pattern))
        self._with_regex = {index for index, code in enumerate(self.codes) if code.regex}

    def _find(self, pattern: tuple[int, ...], index: DocumentIndex) -> np.ndarray:
        """First tokens i of the ranges [i, i + len(pattern)) where the pattern's terms (ids) match
        consecutive tokens of one sentence."""
        n = len(pattern)
        if n == 0 or not all(map(index.present.__contains__, pattern)):
            return _NONE
        starts = index.positions(pattern[0])
        if n == 1:
            return starts
        tokens = index.tokens
        for k in range(1, n):
            following = index.positions(pattern[k])
            at = np.minimum(np.searchsorted(following, starts + k), len(following) - 1)
            starts = starts[following[at] == starts + k]
            if not len(starts):
                return _NONE
        last = starts + n - 1
        return starts[(tokens.segment[starts] == tokens.segment[last]) & (tokens.sent[starts] == tokens.sent[last])]

    def _spans(self, patterns: list[tuple[int, ...]], index: DocumentIndex) -> tuple[np.ndarray, np.ndarray]:
        """Every range [i, j) where one of the patterns matches, as arrays of i and j."""
        starts, ends = [], []
        for pattern in patterns:
            found = self._find(pattern, index)
            if len(found):
                starts.append(found)
                ends.append(found + len(pattern))
        if len(starts) < 2:
            return (starts[0], ends[0]) if starts else (_NONE, _NONE)
        return np.concatenate(starts), np.concatenate(ends)

    def matches(self, tokens: TokenTable, texts: list[str]) -> list[tuple[str, int, int, int, bool, int]]:
        """All code matches in a document: (code id, segment, start, end, negated, sentence), with offsets
        in the segment's text and the sentence number within the segment."""
        found = self.find(tokens, texts)
        ids = [code.id for code in self.codes]
        return list(zip([ids[c] for c in found.code.tolist()], found.segment.tolist(), found.start.tolist(),
                        found.end.tolist(), found.negated.tolist(), found.sent.tolist()))

    def find(self, tokens: TokenTable, texts: list[str]) -> Matches:
        """The matches of :meth:`matches` as arrays, the code as its place in ``self.codes``: for code after
        code, its token matches in order of position, then its regex matches."""
        if not len(tokens):
            return Matches.none()
        index = LEXICON.index(tokens)
        parts: list[tuple] = []
        width = len(tokens) + 1
        candidates: dict[int, list[tuple[int, ...]]] = {}
        for term in self._by_first.keys() & index.present.keys():
            for place, pattern in self._by_first[term]:
                candidates.setdefault(place, []).append(pattern)
        for place in sorted(candidates.keys() | self._with_regex):  # in codebook order
            code = self.codes[place]
            i, j = self._spans(candidates.get(place, []), index)
            if len(i) and code.exclude_ids:
                # a match is dropped when it shares a token with a match of an exclude pattern
                a, b = self._spans(code.exclude_ids, index)
                if len(a):
                    covered = np.zeros(width, np.int32)
                    np.add.at(covered, a, 1)
                    np.add.at(covered, b, -1)
                    inside = np.concatenate(([0], np.cumsum(np.cumsum(covered)[:-1] > 0)))
                    keep = inside[j] == inside[i]
                    i, j = i[keep], j[keep]
            if len(i):
                key = np.unique(i * width + j)  # each range once, in order of (i, j)
                i, j = key // width, key % width
                negated = index.negated[i]
                if code.negation == "drop":
                    i, j, negated = i[~negated], j[~negated], negated[~negated]
                parts.append((np.full(len(i), place), tokens.segment[i], tokens.start[i], tokens.end[j - 1], negated,
                              tokens.sent[i]))
            found = [(segment, m.start(), m.end()) for expression in code.regex
                     for segment, text in enumerate(texts) for m in expression.finditer(text) if m.end() > m.start()]
            if found:
                segment, start, end = (np.array(column, np.int64) for column in zip(*found))
                parts.append((np.full(len(found), place), segment, start, end, np.zeros(len(found), bool),
                              np.array([_sentence_at(tokens, s, a) for s, a, _ in found], np.int64)))
        if not parts:
            return Matches.none()
        return Matches(*(np.concatenate(column) for column in zip(*parts)))


@dataclass(slots=True)
class Matches:
    """Code matches in one document as parallel arrays (see :meth:`Matcher.find`)."""

    code: np.ndarray  # the code's place in the matcher's codes
    segment: np.ndarray
    start: np.ndarray  # character offsets in the segment's text
    end: np.ndarray
    negated: np.ndarray  # bool
    sent: np.ndarray  # sentence number within the segment

    @classmethod
    def none(cls) -> Matches:
        return cls(_NONE, _NONE, _NONE, _NONE, np.zeros(0, bool), _NONE)

    def __len__(self) -> int:
        return len(self.code)

    def take(self, rows: np.ndarray) -> Matches:
        return Matches(*(getattr(self, name)[rows] for name in self.__slots__))


def run_starts(*columns: np.ndarray) -> np.ndarray:
    """Where each run of equal rows begins, over sorted columns of equal length (row 0 always)."""
    new = np.zeros(len(columns[0]), bool)
    new[:1] = True
    for column in columns:
        new[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(new)


def _negated_tokens(tokens: TokenTable) -> np.ndarray:
    """For every token: does a negation stand within NEGATION_WINDOW words before it in its sentence?"""
    vocab = np.fromiter((s in NEGATORS for s in tokens.strings), bool, len(tokens.strings))
    negator = (vocab[tokens.lemma] | vocab[tokens.lower]).astype(np.int32)
    n = len(negator)
    index = np.arange(n)
    first = run_starts(tokens.segment, tokens.sent)  # each sentence's first token
    sentence_start = np.zeros(n, np.int64)
    sentence_start[first] = first
    sentence_start = np.maximum.accumulate(sentence_start)
    before = np.concatenate(([0], np.cumsum(negator)))  # before[i] = negators among tokens < i
    lo = np.maximum(index - NEGATION_WINDOW, sentence_start)
    return (before[index] - before[lo]) > 0


def _sentence_at(tokens: TokenTable, segment: int, offset: int) -> int:
    """The sentence (within its segment) of the token that starts at or before ``offset``."""
    lo, hi = np.searchsorted(tokens.segment, [segment, segment + 1])
    if lo == hi:
        return 0
    k = int(np.searchsorted(tokens.start[lo:hi], offset, side="right")) - 1
    return int(tokens.sent[lo + max(k, 0)])


def sentence_bounds(tokens: TokenTable) -> dict[tuple[int, int], tuple[int, int]]:
    """(segment, sentence) → (start, end) offsets of the sentence in its segment's text."""
    n = len(tokens)
    if not n:
        return {}
    first = run_starts(tokens.segment, tokens.sent)
    last = np.append(first[1:] - 1, n - 1)
    return {(seg, sent): (a, b) for seg, sent, a, b in zip(
        tokens.segment[first].tolist(), tokens.sent[first].tolist(), tokens.start[first].tolist(),
        tokens.end[last].tolist())}


class CodebookComponent:
    """spaCy component: put every code match of the codebook in ``doc.spans[spans_key]``."""

    def __init__(self, codebook, spans_key: str = "codebook"):
        from .codebook import load_codebook

        if isinstance(codebook, str):
            codebook = load_codebook(codebook)
        self.matcher = Matcher(codebook)
        self.spans_key = spans_key

    def __call__(self, doc):
        table = tokenize_segments([doc.text])
        spans = []
        for code_id, _, start, end, _, _ in self.matcher.matches(table, [doc.text]):
            span = doc.char_span(start, end, label=code_id, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = sorted(spans, key=lambda span: (span.start, span.end, span.label_))
        return doc


class CodingTask(DocumentTask):
    """Coding of one document (see :func:`code_corpus`), runnable in the reading workers."""

    def __init__(self, codebook: Codebook, unit: Unit = "sentence", include_interviewer: bool = False,
                 model: str | None = None, matcher: Matcher | None = None):
        check_choice("unit", unit, UNITS)
        self.codebook, self.unit, self.include_interviewer, self.model = codebook, unit, include_interviewer, model
        self.key = f"coding|{codebook.sha256}|{unit}|{int(include_interviewer)}|{model or ''}"
        self._compiled = matcher

    def compile(self) -> Matcher:
        return Matcher(self.codebook, self.model)

    def __call__(self, doc, tokens) -> DocumentCoding:
        return code_document(doc, tokens, self.compiled, unit=self.unit, include_interviewer=self.include_interviewer)


def corpus_model(corpus) -> str | None:
    """The spaCy pipeline a corpus was read with (None: the built-in one), so patterns are lemmatized
    like the text."""
    return (getattr(corpus, "options", None) or {}).get("model")


def code_document(doc, tokens: TokenTable, matcher: Matcher, *, unit: Unit = "sentence",
                  include_interviewer: bool = False) -> DocumentCoding:
    """The coded units of one document, sorted by segment, start and the code's place in the codebook."""
    segments = doc.segments
    found = matcher.find(tokens, [s.text for s in segments])
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


def kwic(corpus, pattern: str, *, codebook: Codebook | None = None, window: int = 8, include_interviewer=False,
         model: str | None = None) -> pd.DataFrame:
    """Keyword in context for a lemma pattern (or, given a codebook, a code id): window words each side."""
    if window < 0:
        raise UsageError(f"window must be 0 or more words, not {window}")
    if codebook is not None and pattern in codebook:
        code = codebook[pattern]
        sub = Codebook(name="kwic", codes=[_detached(code)])
    else:
        from .codebook import Code

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


def code_texts(texts: list[str], codebook: Codebook, *, rollup: bool = False, model: str | None = None,
               matcher: Matcher | None = None) -> list[set[str]]:
    """The codes found in each of ``texts`` (a quick way to try a codebook on sentences in a notebook)."""
    matcher = matcher or Matcher(codebook, model)
    tokens = tokenize_segments(list(texts), model)
    found: list[set[str]] = [set() for _ in texts]
    for code_id, seg, *_ in matcher.matches(tokens, list(texts)):
        found[seg].add(code_id)
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
