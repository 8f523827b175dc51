"""Plan profiles: the document-analysis facts an evaluation records for each plan, each traceable to a page.

One row per plan with pages, words, plan period, adoption by the municipal council,
which key concepts are defined, prevention levels, models and data sources cited,
whether there is an overview of measures and how it is sorted, target groups and
revision. ``profile_evidence`` gives, for every non-empty cell, the page and text it
came from. Plus a plan × plan similarity (TF-IDF cosine on lemmas) and, per plan,
what it has that most plans don't and lacks that most have.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from ..codebook import Code, Codebook, find_codebook
from ..model import DocumentTask, per_document
from ..text.nlp import load_stopwords
from .matching import Matcher, corpus_model, shared_lexicon
from .frequency import countable
from ..text.nb import (
    ADOPTED, ADOPTED_ANY, AREA_HEADING, CONCEPTS, DEFINES, DEFINITION_HEADINGS, DEFINITION_START, FEATURES,
    LEVEL_HEADING, MEASURES_HEADING, SERVICE_HEADING, TARGET_CUES,
)

# a definition is found from the concept's occurrences: what stands before one, and what follows it
_DEFINITION_BEFORE = re.compile(rf"{DEFINITION_START}$", re.IGNORECASE)
_DEFINITION_AFTER = re.compile(DEFINES, re.IGNORECASE)
_CONCEPT_WORD = {concept: re.compile(rf"{pattern}", re.IGNORECASE) for concept, pattern in CONCEPTS.items()}
_CONCEPT_NAMED = {concept: re.compile(rf"\b{pattern}", re.IGNORECASE) for concept, pattern in CONCEPTS.items()}
_PERIOD = re.compile(r"\b(20\d\d)\s*[–—-]\s*(20\d\d)\b")
PROFILE_COLUMNS = ["document", "case", "pages", "words", "plan_period", "adopted", "adopted_date",
                   "concepts_defined", "prevention_levels", "models", "data_sources", "measures_overview",
                   "measures_sorted_by", "target_groups", "revision"]
EVIDENCE_COLUMNS = ["document", "field", "value", "page", "text"]


#: The code of the shipped codebook whose children are the models a plan builds on (one list for the
#: coding and the profile).
MODELS_CODE = ("barnevern", "models")
_TARGET_HEADING = re.compile(r"\bmålgrupp", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def shipped_models() -> dict[str, list[str]]:
    """Model name → patterns: the children of the shipped codebook's 'models' code, named by their label
    up to a dash («BTI – Bedre tverrfaglig innsats» → BTI)."""
    book, code_id = MODELS_CODE
    models = next(code for code in find_codebook(book).flat() if code.id == code_id)
    return {re.split(r"\s+[–—-]\s+", child.label or child.id)[0].strip("«»"): list(child.patterns)
            for child in models.children}


def _feature_book() -> tuple[Codebook, dict[str, tuple[str, str]]]:
    codes, names = [], {}
    for field_name, values in {**FEATURES, "models": shipped_models()}.items():
        for i, (value, patterns) in enumerate(values.items()):
            code_id = f"{field_name}__{i}"
            names[code_id] = (field_name, value)
            codes.append(Code(id=code_id, patterns=patterns))
    codes.append(Code(id="cue__target", patterns=TARGET_CUES))
    return Codebook(name="profile", codes=codes), names


def profile_document(doc, tokens, matcher: Matcher, names) -> tuple[dict, list]:
    """One plan's profile row and the evidence (page, text) behind each cell."""
    evidence = []
    texts = [s.text for s in doc.segments]

    def note(field_name, value, segment):
        evidence.append((doc.id, field_name, value, segment.page, segment.text[:300]))

    found: dict[str, list[str]] = {f: [] for f in [*FEATURES, "models"]}
    # each feature value (a code) in the order of its first match in the text, noted where that match is
    matches = _about_target_groups(doc, matcher, matcher.find(tokens, texts), names)
    order = np.lexsort((matches.start, matches.segment))  # by segment, then start; stable
    _, first = np.unique(matches.code[order], return_index=True)
    for at in np.sort(first).tolist():
        field_name, value = names[matcher.codes[int(matches.code[order[at]])].id]
        found[field_name].append(value)
        note(field_name, value, doc.segments[int(matches.segment[order[at]])])
    row = {"document": doc.id, "case": doc.case, "pages": doc.pages,
           "words": int(countable(tokens, frozenset()).sum()) if len(tokens) else 0}
    period = adopted = date = None
    # both adoption patterns need the word: most plans are not searched for them paragraph by paragraph
    mentions_council = "kommunestyret" in "\n".join(texts).casefold()  # (casefold: as the patterns' IGNORECASE)
    for segment in doc.segments:
        if period is None and (m := _PERIOD.search(segment.text)) and int(m.group(2)) > int(m.group(1)):
            period = f"{m.group(1)}–{m.group(2)}"
            note("plan_period", period, segment)
        if not mentions_council:
            if period is not None:
                break
            continue
        if date is None and (m := ADOPTED.search(segment.text)):
            adopted, date = True, full_date(m.group(1))
            note("adopted_date", date, segment)
        elif adopted is None and ADOPTED_ANY.search(segment.text):
            adopted = True
            note("adopted", "ja", segment)
    defined = []
    under_definitions = _under_heading(doc, DEFINITION_HEADINGS)  # read for body paragraphs only
    # a definition never holds a full stop, so it is searched in the paragraphs joined by one: the first
    # match is in the first paragraph that has one
    joined = ".".join(texts)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    for concept in CONCEPTS:
        named = _CONCEPT_NAMED[concept]
        at = _definition_at(concept, joined)
        first = int(np.searchsorted(starts, at, side="right")) - 1 if at is not None else len(texts)
        for index, (segment, under) in enumerate(zip(doc.segments[:first], under_definitions)):
            if segment.heading is False and under and named.search(segment.text):
                first = index
                break
        if first < len(texts):
            defined.append(concept)
            note("concepts_defined", concept, doc.segments[first])
    overview, sorted_by = _measures(doc, found)
    for segment in overview[:1]:
        note("measures_overview", "ja", segment)
    row.update(
        plan_period=period, adopted="ja" if adopted else "ikke oppgitt", adopted_date=date,
        concepts_defined="; ".join(defined), prevention_levels="; ".join(found["prevention_levels"]),
        models="; ".join(found["models"]), data_sources="; ".join(found["data_sources"]),
        measures_overview="ja" if overview else "nei", measures_sorted_by=sorted_by,
        target_groups="; ".join(found["target_groups"]), revision="; ".join(found["revision"]),
    )
    return row, evidence


def _definition_at(concept: str, text: str) -> int | None:
    """Where ``text`` first defines ``concept`` (see DEFINES and DEFINITION_START in text/nb.py), or None."""
    for m in _CONCEPT_WORD[concept].finditer(text):
        if _DEFINITION_BEFORE.search(text, max(0, m.start() - 12), m.start()) and \
                _DEFINITION_AFTER.match(text, m.end()):
            return m.start()
    return None


def full_date(text: str) -> str:
    """A date as the plan wrote it, with a four-digit year: «19.10.23» → «19.10.2023», «5. 3. 2024» →
    «05.03.2024»; a date in words («24. april 2024») keeps its words."""
    text = re.sub(r"\s+", " ", text)
    m = re.fullmatch(r"(\d{1,2})\. ?(\d{1,2})\. ?(\d{2}|\d{4})", text)
    if not m:
        return text
    day, month, year = m.groups()
    return f"{int(day):02d}.{int(month):02d}.{'20' + year if len(year) == 2 else year}"


def _about_target_groups(doc, matcher: Matcher, matches, names):
    """The matches without the target-group cue, and a target group only where it is one: in a sentence
    with a cue («målgruppen er …», «særlig rettet mot …») or under a heading on target groups. «Ungdom»
    is in nearly every plan; being named is not being a target group."""
    ids = [code.id for code in matcher.codes]
    cue = np.array([ids[c] == "cue__target" for c in range(len(ids))])
    target = np.array([names.get(ids[c], ("",))[0] == "target_groups" for c in range(len(ids))])
    if not len(matches):
        return matches
    is_cue, is_target = cue[matches.code], target[matches.code]
    width = int(matches.sent.max()) + 1
    cued = np.isin(matches.segment * width + matches.sent, (matches.segment * width + matches.sent)[is_cue])
    under = np.array(_under_heading(doc, _TARGET_HEADING), bool)[matches.segment]
    return matches.take(np.flatnonzero(~is_cue & (~is_target | cued | under)))


def _under_heading(doc, pattern: re.Pattern) -> list[bool]:
    """For each segment: does the nearest heading above it (or the segment, a heading) match ``pattern``?"""
    flags, current = [], False
    for segment in doc.segments:
        if segment.heading:
            current = bool(pattern.search(segment.text))
        flags.append(current)
    return flags


_LIST_ITEM = re.compile(r"^\s*(?:[•·▪◦●■\-–*]|\d{1,2}[.)])\s+")
_TABLE_ROW = re.compile(r"^[^:;]{1,40}: [^;]+(?:; [^:;]{1,40}: .+)+$")  # a table row as the PDF reader writes it


def _measures(doc, found) -> tuple[list, str]:
    """Segments of an overview of measures and how it is sorted. An overview is a heading on measures
    (not the plan's title) over at least two list items, table rows or sub-headings; it is sorted by
    what its sub-headings name (prevention levels, services, areas of effort), else by the first column
    of its table."""
    first_heading = next((s.index for s in doc.segments if s.heading), None)
    overviews, sorted_by = [], ""
    for heading in doc.segments:
        if not heading.heading or heading.index == first_heading or not MEASURES_HEADING.search(heading.text):
            continue
        below = []
        for segment in doc.segments[heading.index + 1:]:
            if segment.heading and segment.heading_level <= heading.heading_level:
                break
            below.append(segment)
        subheadings = [s.text for s in below if s.heading]
        items = [s.text for s in below if not s.heading and (_LIST_ITEM.match(s.text) or _TABLE_ROW.match(s.text))]
        if len(items) + len(subheadings) < 2:
            continue
        overviews.append(heading)
        if sorted_by:
            continue
        counts = {name: sum(bool(p.search(t)) for t in subheadings) for name, p in
                  (("nivå", LEVEL_HEADING), ("tjeneste", SERVICE_HEADING), ("innsatsområde", AREA_HEADING))}
        best = max(counts, key=counts.get)
        if counts[best] >= 2:
            sorted_by = best
            continue
        columns = [t.split(":", 1)[0] for t in items if _TABLE_ROW.match(t)]
        if len(columns) >= 2:
            first_column = max(set(columns), key=columns.count)
            sorted_by = ("nivå" if re.search(r"nivå", first_column, re.IGNORECASE) else
                         "tjeneste" if re.search(r"tjeneste|teneste|ansvar", first_column, re.IGNORECASE) else
                         "innsatsområde" if AREA_HEADING.search(first_column) else "")
    return overviews, sorted_by


class ProfileTask(DocumentTask):
    """The profile of one plan (see :func:`profiles`), runnable in the reading workers."""

    name = "profile"
    settings = ("kind", "model")

    def __init__(self, kind: str = "plan", model: str | None = None):
        self.kind, self.model = kind, model

    @classmethod
    def for_run(cls, book=None, *, unit: str = "sentence", model: str | None = None) -> ProfileTask:
        return cls(model=model)

    def compile(self, shared: dict) -> tuple[Matcher, dict]:
        book, names = _feature_book()
        return Matcher(book, self.model, shared_lexicon(shared)), names

    def __call__(self, doc, tokens) -> tuple[dict, list]:
        return profile_document(doc, tokens, *self.compiled)


def profiles(corpus, *, kind: str = "plan") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan profiles (one row per plan) and their evidence (document, field, value, page, text)."""
    rows, evidence = [], []
    for doc, (row, found) in per_document(corpus, ProfileTask(kind, corpus_model(corpus)), kind):
        rows.append(row)
        evidence += found
    frame = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    frame["pages"] = frame["pages"].astype("Int64")
    ev = pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS)
    ev["page"] = ev["page"].astype("Int64")
    return frame, ev


def similarity(corpus, *, kind: str = "plan", stopwords=None) -> pd.DataFrame:
    """Plan × plan cosine similarity of TF-IDF lemma vectors (1.0 on the diagonal).

    The weights of scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``: 1 + ln(count) times
    the smoothed idf ln((1 + plans) / (1 + plans with the lemma)) + 1, each plan's vector of
    unit length. Computed here on sparse arrays: importing scikit-learn alone took longer.
    """
    from scipy import sparse

    stop = stopwords if isinstance(stopwords, frozenset) else load_stopwords(stopwords)
    ids, rows = [], []
    vocabulary: dict[str, int] = {}
    for doc, tokens in corpus.tokenized(kind):
        lemmas, counts = np.unique(tokens.lemma[countable(tokens, stop)], return_counts=True)
        ids.append(doc.id)
        rows.append(([vocabulary.setdefault(tokens.strings[i], len(vocabulary)) for i in lemmas.tolist()], counts))
    if len(ids) < 2:
        return pd.DataFrame({"document": ids})
    # columns in alphabetical order of the lemmas, as the vectorizer orders them
    column = np.empty(len(vocabulary), np.int64)
    column[[vocabulary[term] for term in sorted(vocabulary)]] = np.arange(len(vocabulary))
    indices = column[np.concatenate([np.asarray(terms, np.int64) for terms, _ in rows])]
    tf = 1.0 + np.log(np.concatenate([counts for _, counts in rows]).astype(np.float64))
    indptr = np.concatenate(([0], np.cumsum([len(terms) for terms, _ in rows])))
    df = np.bincount(indices, minlength=len(vocabulary))
    idf = np.log((len(ids) + 1) / (df + 1.0)) + 1.0
    matrix = sparse.csr_matrix((tf * idf[indices], indices, indptr), shape=(len(ids), len(vocabulary)))
    matrix.sort_indices()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ matrix
    sims = np.round((matrix @ matrix.T).toarray(), 4)
    frame = pd.DataFrame(sims, columns=ids)
    frame.insert(0, "document", ids)
    return frame


def comparison(profile: pd.DataFrame, requirements: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per plan: features it has that fewer than half of the plans have, and lacks that more than half have."""
    features: dict[str, set[str]] = {}
    for row in profile.itertuples():
        items = set()
        for field_name in ("prevention_levels", "models", "data_sources", "concepts_defined", "target_groups",
                           "revision"):
            value = getattr(row, field_name) or ""
            items |= {f"{field_name}: {v}" for v in value.split("; ") if v}
        if row.measures_overview == "ja":
            items.add("measures_overview")
        if row.adopted == "ja":
            items.add("adopted by the council")
        if row.plan_period:
            items.add("plan period stated")
        features[row.document] = items
    if requirements is not None and not requirements.empty:
        for row in requirements.itertuples():
            if row.document in features and row.status == "met":
                features[row.document].add(f"{row.requirement} met")
    n = len(features)
    counts: dict[str, int] = {}
    for items in features.values():
        for item in items:
            counts[item] = counts.get(item, 0) + 1
    rows = []
    for doc_id, items in features.items():
        rare = sorted(i for i in items if counts[i] < n / 2)
        common_missing = sorted(i for i, c in counts.items() if c > n / 2 and i not in items)
        rows.append((doc_id, "; ".join(rare), "; ".join(common_missing)))
    return pd.DataFrame(rows, columns=["document", "has_that_most_dont", "lacks_that_most_have"])


def profile_frames(corpus, requirements: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """plan_profiles with its evidence, plan_similarity and plan_comparison (with the plan check's
    ``requirements`` frame when there is one), keyed by file stem."""
    profile, evidence = profiles(corpus)
    return {"plan_profiles": profile, "plan_profile_evidence": evidence, "plan_similarity": similarity(corpus),
            "plan_comparison": comparison(profile, requirements)}
