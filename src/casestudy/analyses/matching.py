"""The matching engine shared by coding, the plan check and the plan profile.

Patterns are compiled once per codebook into terms. Each term is run through the same
pipeline as the text, so ``samarbeidsavtale`` in a pattern finds ``samarbeidsavtalene``
in a plan. Matching works on a document's token arrays: every term becomes a set of the
document's strings it satisfies, then the sorted positions of its tokens, so a national
corpus codes in seconds. The spaCy component ``casestudy_codebook`` applies the same
matcher to a Doc and puts the results in ``doc.spans``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

import numpy as np

from ..codebook import REGEX_SECONDS, Codebook, compile_regex
from ..errors import CodebookError
from ..text.nb import NEGATORS
from ..text.nlp import TokenTable, tokenize_segments


NEGATION_WINDOW = 3


_NONE = np.zeros(0, np.int64)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique of a 1-d integer array by sorting: NumPy 2's np.unique hashes first, which costs three to
    eight times as much on the short arrays matching makes (tens of positions), and it is called per term,
    code and document."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


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
    regex: list  # compiled by codebook.compile_regex
    negation: str
    pattern_ids: list[tuple[int, ...]] = field(default_factory=list)
    exclude_ids: list[tuple[int, ...]] = field(default_factory=list)
    #: patterns that count only with a context match in the same sentence, and the context patterns
    weak: list[Pattern] = field(default_factory=list)
    context: list[Pattern] = field(default_factory=list)
    weak_ids: list[tuple[int, ...]] = field(default_factory=list)
    context_ids: list[tuple[int, ...]] = field(default_factory=list)
    #: the document kinds the code applies to, and those where its weak patterns need their context
    kinds: tuple[str, ...] = ("plan", "interview")
    context_kinds: tuple[str, ...] = ("plan", "interview")


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
    """Every term of the matchers of one run, numbered once, and the last document's index.

    The coding, the plan check and the profile each have a :class:`Matcher`; sharing the
    terms lets the three look a document's vocabulary up once (a worker runs them one
    after the other on each document). Term ids only grow: a matcher compiled later adds
    its terms and clears what was looked up before. A lexicon belongs to a corpus (see
    :func:`shared_lexicon`); a matcher made on its own (kwic, code_texts) has a lexicon of
    its own, so a notebook's many lookups never grow the one its corpus runs with.
    Terms are model-independent (each is a form and a lemma, found by the model that
    compiled it), so matchers of different models can share a lexicon.
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




class DocumentIndex:
    """A document's tokens as seen by the lexicon: the string ids each present term matches, and on
    demand the sorted token positions of a term and the negated tokens.

    A term is present when a string of the document satisfies it; its positions are empty only for a
    string no token has (an out-of-context lemma that the context changed for every token of its form).
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
        if found is None:
            found = self._positions[term] = self._string_positions(self.present[term])
        return found

    def union(self, terms) -> np.ndarray:
        """Sorted positions of the tokens any of the present terms matches: one gathering of their strings'
        tokens instead of a sorted array per term merged afterwards (a code has dozens of one-word patterns)."""
        if len(terms) == 1:
            return self.positions(terms[0])
        ids = list(dict.fromkeys(i for term in terms for i in self.present[term]))
        return self._string_positions(ids)

    def _string_positions(self, ids) -> np.ndarray:
        """Sorted positions of the tokens whose lemma or form is one of the string ids."""
        (by_lemma, lemma_bounds), (by_form, form_bounds), lemma_of, one_lemma_per_form = self._string_index()
        parts = [part for i in ids if len(part := by_lemma[lemma_bounds[i]:lemma_bounds[i + 1]])]
        covered = len(parts)
        members = set(ids) if len(ids) > 4 else ids
        parts += [part for i in ids if not (one_lemma_per_form and lemma_of[i] in members)
                  and len(part := by_form[form_bounds[i]:form_bounds[i + 1]])]
        if not parts:  # a string no token has any more (a lemma every token of which the context changed)
            return _NONE
        if len(parts) == 1:  # sorted already: the sort is stable
            return parts[0]
        if covered == len(parts):  # lemma parts of different lemmas do not overlap
            return np.sort(np.concatenate(parts))
        return sorted_unique(np.concatenate(parts))


def shared_lexicon(shared: dict) -> Lexicon:
    """The lexicon of a run's shared state (``Corpus.shared`` or a reading worker's), made on first use."""
    lexicon = shared.get("lexicon")
    if lexicon is None:
        lexicon = shared["lexicon"] = Lexicon()
    return lexicon


class Matcher:
    """A compiled codebook: finds every code's matches in a document's tokens.

    ``lexicon``: the run's lexicon to number terms in (see :func:`shared_lexicon`); None gives the
    matcher one of its own.
    """

    def __init__(self, codebook: Codebook, model: str | None = None, lexicon: Lexicon | None = None):
        self.codebook = codebook
        self.lexicon = lexicon if lexicon is not None else Lexicon()
        self.codes: list[CompiledCode] = []

        def all_patterns(c):
            return c.patterns + c.exclude + c.with_context.get("patterns", []) + c.with_context.get("context", [])

        every = [w for c in codebook.flat() for p in all_patterns(c) for w in p.split() if not _is_glob(w)]
        lexicon = _word_terms(every, model)
        kinds = codebook.applies_to()
        for code in codebook.flat():
            self.codes.append(CompiledCode(
                code.id, code.label or code.id,
                [compile_pattern(p, model, lexicon) for p in code.patterns],
                [compile_pattern(p, model, lexicon) for p in code.exclude],
                [compile_regex(r) for r in code.regex],
                code.negation,
                weak=[compile_pattern(p, model, lexicon) for p in code.with_context.get("patterns", [])],
                context=[compile_pattern(p, model, lexicon) for p in code.with_context.get("context", [])],
                kinds=kinds[code.id], context_kinds=tuple(code.with_context.get("kinds", ("plan", "interview"))),
            ))
        # terms are numbered by the shared lexicon: dictionaries keyed by int are far cheaper than by dataclass
        self.lexicon.add(t for c in self.codes for p in c.patterns + c.exclude + c.weak + c.context for t in p.terms)
        term_id = self.lexicon.ids
        # the patterns by their first term: a document is only tried with patterns whose first term it has
        self._by_first: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        for index, code in enumerate(self.codes):
            code.pattern_ids = [tuple(term_id[t] for t in p.terms) for p in code.patterns]
            code.exclude_ids = [tuple(term_id[t] for t in p.terms) for p in code.exclude]
            code.weak_ids = [tuple(term_id[t] for t in p.terms) for p in code.weak]
            code.context_ids = [tuple(term_id[t] for t in p.terms) for p in code.context]
            for pattern in code.pattern_ids + code.weak_ids:
                if pattern:
                    self._by_first.setdefault(pattern[0], []).append((index, pattern))
        self._with_regex = {index for index, code in enumerate(self.codes) if code.regex}
        self._scoped = any(code.kinds != ("plan", "interview") for code in self.codes)

    def _find(self, pattern: tuple[int, ...], index: DocumentIndex) -> np.ndarray:
        """First tokens i of the ranges [i, i + len(pattern)) where the pattern's terms (ids) match
        consecutive tokens of one sentence."""
        n = len(pattern)
        if n == 0 or not all(map(index.present.__contains__, pattern)):
            return _NONE
        starts = index.positions(pattern[0])
        if n == 1 or not len(starts):
            return starts
        tokens = index.tokens
        for k in range(1, n):
            following = index.positions(pattern[k])
            if not len(following):  # a present string that no token has any more (see DocumentIndex)
                return _NONE
            at = np.minimum(np.searchsorted(following, starts + k), len(following) - 1)
            starts = starts[following[at] == starts + k]
            if not len(starts):
                return _NONE
        last = starts + n - 1
        return starts[(tokens.segment[starts] == tokens.segment[last]) & (tokens.sent[starts] == tokens.sent[last])]

    def _spans(self, patterns: list[tuple[int, ...]], index: DocumentIndex) -> tuple[np.ndarray, np.ndarray, bool]:
        """Every range [i, j) where one of the patterns matches, as arrays of i and j, and whether they are
        in order, each once (true of one part: the one-word patterns' tokens are gathered as one set)."""
        starts, ends = [], []
        words = [p[0] for p in patterns if len(p) == 1 and p[0] in index.present]
        if words:
            single = index.union(words)
            starts.append(single)
            ends.append(single + 1)
        for pattern in patterns:
            if len(pattern) > 1 and len(found := self._find(pattern, index)):
                starts.append(found)
                ends.append(found + len(pattern))
        if len(starts) < 2:
            return (starts[0], ends[0], True) if starts else (_NONE, _NONE, True)
        return np.concatenate(starts), np.concatenate(ends), False

    def matches(self, tokens: TokenTable, texts: list[str], kind: str | None = None
                ) -> list[tuple[str, int, int, int, bool, int]]:
        """All code matches in a document: (code id, segment, start, end, negated, sentence), with offsets
        in the segment's text and the sentence number within the segment."""
        found = self.find(tokens, texts, kind)
        ids = [code.id for code in self.codes]
        return list(zip([ids[c] for c in found.code.tolist()], found.segment.tolist(), found.start.tolist(),
                        found.end.tolist(), found.negated.tolist(), found.sent.tolist()))

    def find(self, tokens: TokenTable, texts: list[str], kind: str | None = None) -> Matches:
        """The matches of :meth:`matches` as arrays, the code as its place in ``self.codes``: for code after
        code, its token matches in order of position, then its regex matches. ``kind``: the document's
        kind, so codes that apply to other kinds find nothing (None: every code applies)."""
        if not len(tokens):
            return Matches.none()
        index = self.lexicon.index(tokens)
        parts: list[tuple] = []
        width = len(tokens) + 1
        candidates: dict[int, list[tuple[int, ...]]] = {}
        for term in self._by_first.keys() & index.present.keys():
            for place, pattern in self._by_first[term]:
                candidates.setdefault(place, []).append(pattern)
        for place in sorted(candidates.keys() | self._with_regex):  # in codebook order
            code = self.codes[place]
            if kind is not None and self._scoped and kind not in code.kinds:
                continue
            found_patterns = candidates.get(place, [])
            # weak patterns need their context where the code says so (every kind when the kind is unknown)
            weak = set(code.weak_ids) if kind is None or kind in code.context_kinds else set()
            i, j, once = self._spans([p for p in found_patterns if p not in weak], index)
            if weak and any(p in weak for p in found_patterns):
                # a weak pattern counts only in a sentence where a context pattern matches
                a, b, _ = self._spans([p for p in found_patterns if p in weak], index)
                c, _, _ = self._spans(code.context_ids, index)
                if len(a) and len(c):
                    sentences = sorted_unique(tokens.segment[c].astype(np.int64) * width + tokens.sent[c])
                    keep = np.isin(tokens.segment[a].astype(np.int64) * width + tokens.sent[a], sentences)
                    i, j = np.concatenate((i, a[keep])), np.concatenate((j, b[keep]))
                    once = False
            if len(i) and code.exclude_ids:
                # a match is dropped when it shares a token with a match of an exclude pattern
                a, b, _ = self._spans(code.exclude_ids, index)
                if len(a):
                    covered = np.zeros(width, np.int32)
                    np.add.at(covered, a, 1)
                    np.add.at(covered, b, -1)
                    inside = np.concatenate(([0], np.cumsum(np.cumsum(covered)[:-1] > 0)))
                    keep = inside[j] == inside[i]
                    i, j = i[keep], j[keep]
            if len(i) and not once:
                key = sorted_unique(i * width + j)  # each range once, in order of (i, j)
                i, j = key // width, key % width
            if len(i):
                negated = index.negated[i]
                if code.negation == "drop":
                    i, j, negated = i[~negated], j[~negated], negated[~negated]
                parts.append((np.full(len(i), place), tokens.segment[i], tokens.start[i], tokens.end[j - 1], negated,
                              tokens.sent[i]))
            found = [(segment, m.start(), m.end()) for expression in code.regex
                     for segment, text in enumerate(texts) for m in _finditer(expression, text, code.id)
                     if m.end() > m.start()]
            if found:
                segment, start, end = (np.array(column, np.int64) for column in zip(*found))
                parts.append((np.full(len(found), place), segment, start, end, np.zeros(len(found), bool),
                              np.array([_sentence_at(tokens, s, a) for s, a, _ in found], np.int64)))
        if not parts:
            return Matches.none()
        return Matches(*(np.concatenate(column) for column in zip(*parts)))


def _finditer(expression, text: str, code_id: str) -> list:
    """The matches of a codebook regex in one passage, within REGEX_SECONDS (a backtracking regex that
    validation did not catch stops the run with its name instead of hanging it)."""
    try:
        return list(expression.finditer(text, timeout=REGEX_SECONDS))
    except TimeoutError:
        raise CodebookError(f"regex {expression.pattern!r} took over {REGEX_SECONDS:g} s on one passage of "
                            f"{len(text):,} characters (it backtracks); rewrite it, then check it with casestudy "
                            "codebook validate", code=code_id) from None


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
        from ..codebook import load_codebook

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


def corpus_model(corpus) -> str | None:
    """The spaCy pipeline a corpus was read with (None: the built-in one), so patterns are lemmatized
    like the text."""
    return (getattr(corpus, "options", None) or {}).get("model")
