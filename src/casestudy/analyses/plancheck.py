"""The plan check: each plan against a checklist (default: barnevernloven § 15-1) with page-cited evidence.

How a requirement is assessed (the checklist declares every word list and number):

- units are the plan's sentences, each with its paragraph (segment), page and the headings above it;
- a sentence is evidence of a *kind* (``evidence`` of the requirement) when every group the kind
  ``needs`` (``groups`` of the checklist: ``{group: n}``, n distinct matches) and its own
  ``patterns`` match in it, and none of its ``unless`` patterns does (``within: paragraph``: in
  the usable sentences of one paragraph); a kind with ``headings`` is a heading that names it with
  body text below it (a heading «Mål» over goal sentences);
- a requirement is ``met`` when the plan has evidence of at least ``met.min_kinds`` distinct kinds,
  ``partial`` when it has fewer kinds or speaks of the topic only in general words (the
  requirement's ``patterns`` and ``headings``), ``missing`` when neither. Kinds are counted, never
  summed: a plan typeset twice gets the same status, and length alone changes nothing;
- not evidence of anything: sentences with a ``not_evidence`` pattern (the law's wording, the
  making of the plan, hearings), sentences naming the topics of ``overview_topics`` or more
  requirements (a list of what the plan shall describe), table-of-contents lines and sections,
  definitions (a section on concepts, «X defineres som …»); running headers are dropped by the reader;
- ``pages`` cites the pages of the kind evidence (of the general mentions when there is none);
  ``best_evidence`` is the sentence of the paragraph with the most kinds. A plan that could not be
  read is ``not_assessed``, never ``missing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codebook import DEFAULT_RULE, Code, Codebook
from ..errors import UsageError
from ..model import DocumentTask, per_document
from ..sources.folder import infer_kind
from .matching import Lexicon, Matcher, corpus_model, sentence_bounds, shared_lexicon
from ..text.clean import is_toc
from ..text.nb import DEFINITION_HEADINGS, DEFINITION_SENTENCE, DEFINITION_WORDS, NUMBERED_HEADING, TOC_HEADING

REQUIREMENT_COLUMNS = ["document", "case", "requirement", "label", "status", "score", "evidence_count", "pages",
                       "best_evidence", "reason", "kinds"]
EVIDENCE_COLUMNS = ["document", "case", "requirement", "page", "segment", "heading", "score", "matched", "concrete",
                    "text", "kind"]
#: The kind of an evidence row that only speaks of the topic in general words.
GENERAL = "general"


def rule_for(checklist: Codebook, code: Code) -> dict:
    """The assessment rule of one requirement: defaults < checklist-wide rule < the requirement's own."""
    rule = {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULT_RULE.items()}
    for source in (checklist.extra.get("assessment") or {}, code.extra.get("assessment") or {}):
        for key, value in source.items():
            if key not in DEFAULT_RULE:
                raise UsageError(f"checklist {checklist.name}: unknown assessment key {key!r} "
                                 f"(known: {', '.join(DEFAULT_RULE)})")
            if isinstance(value, dict):
                rule[key].update(value)
            else:
                rule[key] = value
    return rule


def status_for(kinds: int, general: bool, rule: dict) -> str:
    """met / partial / missing from the number of distinct evidence kinds and whether the topic is mentioned."""
    if kinds >= rule["met"]["min_kinds"]:
        return "met"
    return "partial" if kinds or general else "missing"


@dataclass(frozen=True)
class Kind:
    """One kind of evidence of a requirement, as matcher code ids: every group in ``needs`` must match
    (with that many distinct matched words) in one sentence, none of ``unless``."""

    requirement: str
    id: str
    label: str
    needs: tuple[tuple[str, int], ...]
    unless: str | None
    headings: str | None
    paragraph: bool = False  # the groups may match in different sentences of one paragraph


@dataclass
class Plan:
    """A checklist compiled for the plan check: one matcher for every word list, and the evidence kinds."""

    matcher: Matcher
    kinds: dict[str, list[Kind]]
    rules: dict[str, dict]
    overview_topics: int


def compile_checklist(checklist: Codebook, model: str | None = None, lexicon: Lexicon | None = None) -> Plan:
    """Every pattern list of the checklist as one matcher (codes '<role>__<name>'), so each plan's
    vocabulary is indexed once, and the evidence kinds in terms of its code ids."""
    codes: list[Code] = []

    def add(code_id: str, patterns, **kw) -> str | None:
        if not patterns:
            return None
        codes.append(Code(id=code_id, patterns=list(patterns), **kw))
        return code_id

    for name, patterns in (checklist.extra.get("groups") or {}).items():
        add(f"group__{name}", patterns, negation="drop")
    add("not__evidence", checklist.extra.get("not_evidence") or [])
    kinds: dict[str, list[Kind]] = {}
    rules: dict[str, dict] = {}
    for code in checklist.codes:
        rules[code.id] = rule_for(checklist, code)
        add(f"topic__{code.id}", code.patterns, exclude=code.exclude, negation=code.negation)
        add(f"heading__{code.id}", code.extra.get("headings") or [])
        kinds[code.id] = []
        for item in code.extra.get("evidence") or []:
            name = item["kind"]
            needs = [(f"group__{group}", count) for group, count in (item.get("needs") or {}).items()]
            own = add(f"own__{code.id}__{name}", item.get("patterns") or [], negation=code.negation)
            if own:
                needs.append((own, 1))
            kinds[code.id].append(Kind(
                code.id, name, str(item.get("label") or name), tuple(needs),
                add(f"unless__{code.id}__{name}", item.get("unless") or []),
                add(f"khead__{code.id}__{name}", item.get("headings") or []),
                item.get("within") == "paragraph",
            ))
    matcher = Matcher(Codebook(name=f"{checklist.name}:assessment", codes=codes), model, lexicon)
    return Plan(matcher, kinds, rules, int(rules[checklist.codes[0].id]["overview_topics"]) if checklist.codes else 3)


def is_definition(text: str) -> bool:
    """A sentence that defines a concept ('Med forebygging menes …'), which is no evidence for a requirement."""
    folded = text.casefold()
    return any(word in folded for word in DEFINITION_WORDS) and bool(DEFINITION_SENTENCE.search(text))


def is_heading(segment) -> int:
    """Heading level of a segment: from PDF layout when present, else a numbered short line ('3.1 Samarbeid')."""
    if segment.heading:
        return segment.heading_level or 1
    text = segment.text.strip()
    match = NUMBERED_HEADING.match(text)
    if match and len(text) <= 90 and not text.endswith((".", ",", ";", ":")):
        return match.group(1).count(".") + 1
    return 0


@dataclass
class Assessment:
    """The result of a plan check: long form, evidence units, and the plan × requirement matrix."""

    requirements: pd.DataFrame
    evidence: pd.DataFrame
    checklist: Codebook = field(repr=False, default=None)

    @property
    def matrix(self) -> pd.DataFrame:
        """Plans × requirements with the status in each cell (the appendix table)."""
        if self.requirements.empty:
            return pd.DataFrame(columns=["document", "case"])
        wide = self.requirements.pivot(index=["document", "case"], columns="requirement", values="status")
        order = [c.id for c in self.checklist.codes] if self.checklist else list(wide.columns)
        wide = wide.reindex(columns=[c for c in order if c in wide.columns])
        wide.columns.name = None
        return wide.reset_index()


def _sections(doc) -> list[tuple[int, tuple[int, ...]]]:
    """For every segment: its heading level (0 for body) and the indices of the headings above it."""
    stack: list[tuple[int, int]] = []  # (level, segment index)
    above: tuple[int, ...] = ()  # the indices on the stack, shared by the segments below a heading
    out = []
    for segment in doc.segments:
        level = is_heading(segment)
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            out.append((level, tuple(i for _, i in stack)))
            stack.append((level, segment.index))
            above = tuple(i for _, i in stack)
        else:
            out.append((0, above))
    return out


def _has_body(sections, index: int) -> bool:
    """Does the heading at ``index`` have body text below it before the next heading of its level or higher?"""
    level = sections[index][0]
    for below, _ in sections[index + 1:]:
        if not below:
            return True
        if below <= level:
            return False
    return False


def _non_evidence(doc, sections) -> set[int]:
    """Segments that are no evidence of anything: tables of contents, definitions and sections on concepts."""
    closed = {s.index for s, (level, _) in zip(doc.segments, sections)
              if level and (DEFINITION_HEADINGS.search(s.text) or TOC_HEADING.match(s.text))}
    return {s.index for s, (level, above) in zip(doc.segments, sections)
            if s.index in closed or any(i in closed for i in above) or is_toc(s.text)
            or (not level and is_definition(s.text))}


#: Per sentence (segment, sentence number): matcher code id → the distinct matched words (lower case), in order.
Hits = dict[tuple[int, int], dict[str, dict[str, None]]]


def _sentence_hits(doc, tokens, plan: Plan, sections, skip: set[int]) -> Hits:
    """The matches of the plan's sentences by sentence and code id. Heading patterns count only in headings,
    and nothing else in a segment that is no evidence: most matches never become a Python object."""
    found = plan.matcher.find(tokens, [s.text for s in doc.segments])
    ids = [c.id for c in plan.matcher.codes]
    if len(found):
        heading_only = np.array([i.startswith(("heading__", "khead__")) for i in ids])
        is_heading = np.array([level > 0 for level, _ in sections])
        skipped = np.zeros(len(doc.segments), bool)
        skipped[list(skip)] = True
        keep = np.where(heading_only[found.code], is_heading[found.segment], ~skipped[found.segment])
        found = found.take(np.flatnonzero(keep))
    # in the plan's order: sentence after sentence, in each the codes in checklist order, their words in order
    found = found.take(np.lexsort((found.start, found.code, found.sent, found.segment)))
    words: Hits = {}
    texts = [s.text for s in doc.segments]
    key = place_of = None
    for place, seg, sent, a, b in zip(found.code.tolist(), found.segment.tolist(), found.sent.tolist(),
                                      found.start.tolist(), found.end.tolist()):
        if key != (seg, sent):
            key, place_of = (seg, sent), None
            sentence = words[key] = {}
        if place_of != place:
            place_of = place
            matched = sentence[ids[place]] = {}
        matched[texts[seg][a:b].lower()] = None
    return words


def _usable(words: Hits, skip: set[int], topics: list[str], overview: int) -> Hits:
    """The sentences that may be evidence: not in a skipped segment, without a not_evidence match, and not
    naming the topics of ``overview`` or more requirements («… mål, ansvar, organisering og samarbeid»)."""
    return {key: hits for key, hits in words.items()
            if key[0] not in skip and "not__evidence" not in hits and sum(t in hits for t in topics) < overview}


def _by_paragraph(usable: Hits, segments) -> dict[int, dict[str, dict[str, None]]]:
    """The usable hits of the given paragraphs merged, for kinds whose groups may meet in different sentences
    of one paragraph."""
    paragraph: dict[int, dict[str, dict[str, None]]] = {}
    for (seg, _), hits in usable.items():
        if seg in segments:
            merged = paragraph.setdefault(seg, {})
            for code_id, matched in hits.items():
                merged.setdefault(code_id, {}).update(matched)
    return paragraph


@dataclass
class _Usable:
    """The usable sentences of a plan, indexed: their hits, each one's place in order, the sentences and the
    paragraphs each code id matches in (in order), and each paragraph's sentences."""

    hits: Hits
    order: dict[tuple[int, int], int]
    keys: dict[str, list[tuple[int, int]]]
    segments: dict[str, set[int]]
    sentences_of: dict[int, list[tuple[int, int]]]

    @classmethod
    def of(cls, usable: Hits) -> _Usable:
        keys: dict[str, list[tuple[int, int]]] = {}
        sentences_of: dict[int, list[tuple[int, int]]] = {}
        for key, hits in usable.items():
            sentences_of.setdefault(key[0], []).append(key)
            for code_id in hits:
                keys.setdefault(code_id, []).append(key)
        segments = {code_id: {seg for seg, _ in found} for code_id, found in keys.items()}
        return cls(usable, {key: i for i, key in enumerate(usable)}, keys, segments, sentences_of)

    def with_all(self, code_ids: list[str]) -> list[tuple[int, int]]:
        """The sentences where every one of the code ids matches, in order."""
        found = [self.keys.get(code_id, []) for code_id in code_ids]
        if not found:
            return []
        shortest = min(found, key=len)
        others = [set(keys) for keys in found if keys is not shortest]
        return [key for key in shortest if all(key in keys for keys in others)]


def assess_document(doc, tokens, checklist: Codebook, plan: Plan | None = None) -> tuple[list, list]:
    """Requirement rows and evidence rows for one plan."""
    plan = plan or compile_checklist(checklist)
    sections = _sections(doc)
    skip = _non_evidence(doc, sections)
    words = _sentence_hits(doc, tokens, plan, sections, skip)
    usable = _Usable.of(_usable(words, skip, [f"topic__{code.id}" for code in checklist.codes], plan.overview_topics))
    wide = [kind for kinds in plan.kinds.values() for kind in kinds if kind.paragraph]
    segments = set().union(*(usable.segments.get(group, set()) for kind in wide for group, _ in kind.needs[:1]))
    headings = {key: hits for key, hits in words.items() if sections[key[0]][0]}
    context = (doc, sections, headings, usable, _by_paragraph(usable.hits, segments), sentence_bounds(tokens))
    requirement_rows, evidence_rows = [], []
    for code in checklist.codes:
        row, evidence = _assess_requirement(code, plan, *context)
        requirement_rows.append(row)
        evidence_rows += evidence
    return requirement_rows, evidence_rows


def _kind_sentences(kind: Kind, sections, usable: _Usable, paragraph) -> list[tuple[tuple[int, int], list[str]]]:
    """The usable sentences that are evidence of one kind, in order, each with the words that make it so."""
    found = []
    if kind.headings:
        for key in usable.keys.get(kind.headings, []):
            if sections[key[0]][0] and _has_body(sections, key[0]):
                found.append((key, list(usable.hits[key][kind.headings])))
        return found
    groups = [group for group, _ in kind.needs]
    if kind.paragraph:  # every usable sentence of a paragraph whose sentences together hold the groups
        segs = set.intersection(*(usable.segments.get(group, set()) for group in groups)) if groups else set()
        keys = sorted((key for seg in segs for key in usable.sentences_of[seg]), key=usable.order.__getitem__)
        scope_of = paragraph.__getitem__
        scopes = ((key, scope_of(key[0])) for key in keys)
    else:
        scopes = ((key, usable.hits[key]) for key in usable.with_all(groups))
    for key, scope in scopes:
        if sections[key[0]][0] or any(len(scope[group]) < n for group, n in kind.needs) \
                or (kind.unless and kind.unless in scope):
            continue
        found.append((key, [w for group in groups for w in scope[group]]))
    return found


def _find_kinds(code: Code, plan: Plan, sections, usable: _Usable, paragraph):
    """For one requirement: segment → kind → matched words, (segment, kind) → the first sentence of it, and
    the general mentions (segment → words), each in the order of the plan's sentences."""
    found = sorted(((usable.order[key], place, key, kind.id, matched)
                    for place, kind in enumerate(plan.kinds[code.id])
                    for key, matched in _kind_sentences(kind, sections, usable, paragraph)),
                   key=lambda item: item[:2])
    by_kind: dict[int, dict[str, list[str]]] = {}
    sentence_of: dict[tuple[int, str], int] = {}
    for _, _, (seg, sent), kind_id, matched in found:
        by_kind.setdefault(seg, {}).setdefault(kind_id, []).extend(matched)
        sentence_of.setdefault((seg, kind_id), sent)
    general: dict[int, list[str]] = {}
    heading, topic = f"heading__{code.id}", f"topic__{code.id}"
    mentions = [(key, heading) for key in usable.keys.get(heading, []) if sections[key[0]][0]]
    mentions += [(key, topic) for key in usable.keys.get(topic, []) if not sections[key[0]][0]]
    for key, code_id in sorted(mentions, key=lambda m: usable.order[m[0]]):
        general.setdefault(key[0], []).extend(usable.hits[key][code_id])
    return by_kind, sentence_of, general


def _assess_requirement(code: Code, plan: Plan, doc, sections, headings: Hits, usable: _Usable, paragraph, bounds):
    """The requirement row and the evidence rows of one requirement in one plan."""
    rule = plan.rules[code.id]
    by_kind, sentence_of, general = _find_kinds(code, plan, sections, usable, paragraph)
    kinds_found = sorted({k for per in by_kind.values() for k in per}, key=[k.id for k in plan.kinds[code.id]].index)
    status = status_for(len(kinds_found), bool(general), rule)
    rows = [(seg, kind, matched) for seg, per in by_kind.items() for kind, matched in per.items()]
    if status != "met":
        rows += [(seg, GENERAL, matched) for seg, matched in general.items() if seg not in by_kind]
    rows.sort(key=lambda r: (r[0], r[1] == GENERAL))
    cited = [r for r in rows if r[1] != GENERAL] or rows
    pages = sorted({doc.segments[seg].page for seg, _, _ in cited if doc.segments[seg].page is not None})
    best_text = ""
    if cited:
        # where the plan itself takes the requirement up: under a heading that names it, then most kinds
        named = {seg for (seg, _), hits in headings.items() if f"heading__{code.id}" in hits}
        best = max(by_kind, key=lambda s: (any(i in named for i in sections[s][1]), len(by_kind[s]), -s)) \
            if by_kind else cited[0][0]
        segment = doc.segments[best]
        sent = min((sentence_of[(best, k)] for k in by_kind.get(best, {})), default=None)
        a, b = bounds.get((best, sent), (0, len(segment.text))) if sent is not None else (0, len(segment.text))
        best_text = segment.text[a:b] + (f" (s. {segment.page})" if segment.page is not None else "")
    reason = ("" if status == "met" else
              f"{len(kinds_found)} of {rule['met']['min_kinds']} kinds of concrete evidence" if kinds_found else
              "mentioned only in general words" if general else "")
    row = (doc.id, doc.case, code.id, code.label or code.id, status, len(kinds_found), len(rows),
           ";".join(map(str, pages)), best_text, reason, ";".join(kinds_found))
    evidence = []
    for seg, kind, matched in rows:
        segment = doc.segments[seg]
        evidence.append((
            doc.id, doc.case, code.id, segment.page, segment.index,
            " > ".join(doc.segments[i].text for i in sections[seg][1][-2:]), 1 if kind == GENERAL else 2,
            "; ".join(dict.fromkeys(general.get(seg, []))), "" if kind == GENERAL else "; ".join(dict.fromkeys(matched)),
            segment.text, kind,
        ))
    return row, evidence


class AssessTask(DocumentTask):
    """The plan check of one document (see :func:`assess`), runnable in the reading workers."""

    name = "plancheck"
    settings = ("checklist", "kind", "model")

    def __init__(self, checklist: Codebook, kind: str = "plan", model: str | None = None):
        if checklist.extra.get("kind") != "checklist":
            raise UsageError(f"{checklist.path or checklist.name}: not a checklist (the file needs 'kind: checklist')")
        self.checklist, self.kind, self.model = checklist, kind, model

    @classmethod
    def for_run(cls, book: Codebook, *, unit: str = "sentence", model: str | None = None) -> AssessTask:
        return cls(book, model=model)

    def compile(self, shared: dict) -> Plan:
        return compile_checklist(self.checklist, self.model, shared_lexicon(shared))

    def __call__(self, doc, tokens) -> tuple[list, list]:
        return assess_document(doc, tokens, self.checklist, self.compiled)


def assess(corpus, checklist: Codebook, *, kind: str = "plan") -> Assessment:
    """Check every document of ``kind`` against the checklist; unreadable plans are listed as not_assessed."""
    task = AssessTask(checklist, kind, corpus_model(corpus))
    requirement_rows, evidence_rows = [], []
    for doc, (rows, evidence) in per_document(corpus, task, kind):
        requirement_rows += rows
        evidence_rows += evidence
    for skip in corpus.skipped:
        if infer_kind(skip.document) == kind:
            for code in checklist.codes:
                requirement_rows.append((skip.document, "", code.id, code.label or code.id, "not_assessed", None, 0,
                                         "", "", skip.reason, ""))
    requirements = pd.DataFrame(requirement_rows, columns=REQUIREMENT_COLUMNS)
    requirements = requirements.sort_values(["document", "requirement"], kind="stable").reset_index(drop=True)
    evidence = pd.DataFrame(evidence_rows, columns=EVIDENCE_COLUMNS)
    evidence["page"] = evidence["page"].astype("Int64")
    return Assessment(requirements, evidence, checklist)


def plancheck_frames(corpus, checklist: Codebook) -> dict[str, pd.DataFrame]:
    """requirements (long), requirements_matrix (plan × requirement) and requirements_evidence, keyed by file stem."""
    result = assess(corpus, checklist)
    return {"requirements": result.requirements, "requirements_matrix": result.matrix,
            "requirements_evidence": result.evidence}
