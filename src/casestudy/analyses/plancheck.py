"""The plan check: each plan against a checklist (default: barnevernloven § 15-1) with page-cited evidence.

How a requirement is scored (all numbers configurable in the checklist's ``assessment``):

- units are the plan's paragraphs (PDF segments), each with its page and the chain of
  headings above it;
- a heading that names the requirement (its ``headings`` patterns) is evidence worth
  ``heading_score`` and gives every paragraph of its section ``under_heading`` points;
- a paragraph earns ``per_hit`` per distinct evidence pattern (``patterns``, at most
  ``max_hits``) and ``per_concrete`` per sign of concrete content (``concrete``: named
  services with tasks, fora with meeting intervals, measurable goals; at most
  ``max_concrete``), signs counting only in a paragraph with a hit or under a heading
  that names the requirement; section points count only with at least one hit or sign;
- definitions are not evidence: paragraphs in a section on concepts (Begreper,
  Definisjoner, …) and sentences such as «X defineres som …» score nothing;
- every scoring paragraph is listed as evidence; ``pages`` cites those scoring at least
  ``min_evidence_score`` (or, when none does, all of them);
- a requirement's total is the sum of its ``top_units`` best paragraphs; it is ``met``
  when total ≥ met.min_score and the best paragraph ≥ met.min_best, ``partial`` when
  total ≥ partial.min_score, else ``missing``. A plan that could not be read is
  ``not_assessed``, never ``missing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..codebook import DEFAULT_RULE, Code, Codebook
from ..errors import UsageError
from ..model import DocumentTask, per_document
from ..sources.folder import infer_kind
from .matching import Lexicon, Matcher, corpus_model, run_starts, shared_lexicon
from ..text.nb import DEFINITION_HEADINGS, DEFINITION_SENTENCE, DEFINITION_WORDS, NUMBERED_HEADING

REQUIREMENT_COLUMNS = ["document", "case", "requirement", "label", "status", "score", "evidence_count", "pages",
                       "best_evidence", "reason"]
EVIDENCE_COLUMNS = ["document", "case", "requirement", "page", "segment", "heading", "score", "matched", "concrete",
                    "text"]


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


def status_for(total: float, best: float, rule: dict) -> str:
    """met / partial / missing from a requirement's total and best unit score."""
    if total >= rule["met"]["min_score"] and best >= rule["met"].get("min_best", 0):
        return "met"
    if total >= rule["partial"]["min_score"]:
        return "partial"
    return "missing"


_KEYS = ("headings", "patterns", "concrete")


def _matcher(checklist: Codebook, model: str | None = None, lexicon: Lexicon | None = None) -> Matcher:
    """One matcher for the three pattern lists of every requirement (codes '<key>:<id>'), so each plan's
    vocabulary is indexed once."""
    codes = []
    for key in _KEYS:
        for code in checklist.codes:
            patterns = code.patterns if key == "patterns" else code.extra.get(key, [])
            if patterns:
                codes.append(Code(id=f"{key}__{code.id}", patterns=list(patterns),
                                  exclude=code.exclude if key == "patterns" else [],
                                  negation=code.negation if key == "patterns" else "keep"))
    return Matcher(Codebook(name=f"{checklist.name}:assessment", codes=codes), model, lexicon)


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


def assess_document(doc, tokens, checklist: Codebook, matcher: Matcher | None = None) -> tuple[list, list]:
    """Requirement rows and evidence rows for one plan."""
    matcher = matcher or _matcher(checklist)
    found = matcher.find(tokens, [s.text for s in doc.segments])
    # the (start, end) of the matches per (requirement, segment), for each of the three pattern lists
    hits_of: dict[str, dict[tuple[str, int], list[tuple[int, int]]]] = {key: {} for key in _KEYS}
    if len(found):
        order = np.lexsort((found.segment, found.code))  # stable: each group keeps the matches' order
        code, seg = found.code[order], found.segment[order]
        bounds = np.append(run_starts(code, seg), len(order)).tolist()
        spans = list(zip(found.start[order].tolist(), found.end[order].tolist()))
        targets = [(hits_of[key], requirement) for key, _, requirement in
                   (c.id.partition("__") for c in matcher.codes)]
        for a, b, place, segment in zip(bounds, bounds[1:], code[bounds[:-1]].tolist(), seg[bounds[:-1]].tolist()):
            hits, requirement = targets[place]
            hits.setdefault((requirement, segment), []).extend(spans[a:b])
    heading_hits, evidence_hits, concrete_hits = hits_of["headings"], hits_of["patterns"], hits_of["concrete"]
    sections = _sections(doc)
    definition_section = {
        s.index for s, (level, _) in zip(doc.segments, sections) if level and DEFINITION_HEADINGS.search(s.text)
    }
    # only a paragraph with a hit, or a heading that names the requirement, can score
    candidates: dict[str, set[int]] = {}
    for hits in (evidence_hits, concrete_hits):
        for requirement, seg in hits:
            candidates.setdefault(requirement, set()).add(seg)
    named_by: dict[str, set[int]] = {}
    for requirement, seg in heading_hits:
        if sections[seg][0]:
            named_by.setdefault(requirement, set()).add(seg)
    # definitions are not evidence (see the module notes); the same for every requirement
    counted = {}
    for index in set().union(*candidates.values(), *named_by.values()):
        level, above = sections[index]
        if not any(i in definition_section for i in above) and not is_definition(doc.segments[index].text):
            counted[index] = (level, above)
    requirement_rows, evidence_rows = [], []
    for code in checklist.codes:
        rule = rule_for(checklist, code)
        named = named_by.get(code.id, set())
        units = []
        for index in sorted((candidates.get(code.id, set()) | named) & counted.keys()):
            segment = doc.segments[index]
            level, above = counted[index]
            hits = evidence_hits.get((code.id, segment.index), [])
            concrete = concrete_hits.get((code.id, segment.index), [])
            if level:
                score = rule["heading_score"] if segment.index in named else 0
            else:
                under = any(i in named for i in above)
                distinct_hits = len({segment.text[a:b].lower() for a, b in hits})
                # concrete content counts only where the paragraph is about the requirement
                distinct_concrete = len({segment.text[a:b].lower() for a, b in concrete}) \
                    if (distinct_hits or under) else 0
                score = (min(distinct_hits, rule["max_hits"]) * rule["per_hit"]
                         + min(distinct_concrete, rule["max_concrete"]) * rule["per_concrete"])
                if score and under:
                    score += rule["under_heading"]
            if score <= 0:
                continue
            heading = " > ".join(doc.segments[i].text for i in above[-2:])
            units.append((score, segment, heading, hits, concrete))
        units.sort(key=lambda u: (-u[0], u[1].index))
        top = units[: rule["top_units"]]
        total = sum(u[0] for u in top)
        best = top[0][0] if top else 0
        status = status_for(total, best, rule)
        # every scoring unit is evidence; the pages column cites the strong ones when there are any
        evidence = units
        strong = [u for u in units if u[0] >= rule["min_evidence_score"]] or units
        pages = sorted({u[1].page for u in strong if u[1].page is not None})
        best_text = f"{top[0][1].text} (s. {top[0][1].page})" if top else ""
        requirement_rows.append((doc.id, doc.case, code.id, code.label or code.id, status, total, len(evidence),
                                 ";".join(map(str, pages)), best_text, ""))
        for score, segment, heading, hits, concrete in sorted(evidence, key=lambda u: u[1].index):
            evidence_rows.append((
                doc.id, doc.case, code.id, segment.page, segment.index, heading, score,
                "; ".join(sorted({segment.text[a:b] for a, b in hits})),
                "; ".join(sorted({segment.text[a:b] for a, b in concrete})), segment.text,
            ))
    return requirement_rows, evidence_rows


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

    def compile(self, shared: dict) -> Matcher:
        return _matcher(self.checklist, self.model, shared_lexicon(shared))

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
                                         "", "", skip.reason))
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
