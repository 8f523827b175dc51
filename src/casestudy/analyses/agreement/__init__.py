"""Agreement between an automatic and a reference (human) coding: precision, recall, F1, kappa, alpha.

A human coding (CSV, XLSX or a REFI-QDA .qdpx) is aligned to the tool's units — sentences,
paragraphs or speaker turns — by offsets, by page/turn or by its text, and every row that
cannot be aligned is reported with its reason. Agreement is computed per code over units.
A unit that no coder coded counts only when asked (``count_uncoded``): counting the whole
uncoded text as agreement inflates κ, a known complaint about QDA tools' comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...errors import UsageError, check_choice
from ..coding import UNITS, Unit, expand_ancestors
from ...output.files import cell_text
from .align import ALIGNED_COLUMNS, UNALIGNED_COLUMNS, Documents, align, align_units, has_locator  # noqa: F401
from .human import HUMAN_COLUMNS, as_coding, coding_frame, read_coding  # noqa: F401
from .stats import PRF_COLUMNS, cohen_kappa, krippendorff_alpha, precision_recall, prf  # noqa: F401

AGREEMENT_COLUMNS = ["code", "units", "human", "auto", "both", "percent_agreement", "kappa", "alpha", "precision",
                     "recall", "f1", "counted", "note"]
DISAGREEMENT_COLUMNS = ["document", "case", "kind", "segment", "sentence", "page", "turn", "speaker", "code", "human",
                        "auto", "matched", "human_line", "text"]
UNIT_COLUMNS = ["document", "case", "kind", "segment", "sentence", "page", "turn", "speaker", "human", "auto", "text"]
#: The ``code`` of the row pooled over every (unit, code) decision.
#: Which units count: those the human coder looked at, or its documents whole.
SCOPES = ("reviewed", "documents")
OVERALL = "(all codes)"
AUTO = "auto"
_UNIT_ORDER = {"sentence": 0, "paragraph": 1, "turn": 2}




@dataclass
class AgreementResult:
    """Agreement of the auto coding with a human reference: per code, the disagreements, what did not align."""

    per_code: pd.DataFrame
    disagreements: pd.DataFrame
    unaligned: pd.DataFrame
    summary: str
    units: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNIT_COLUMNS))
    aligned: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALIGNED_COLUMNS))

    def __str__(self) -> str:
        return self.summary


def agreement(human, auto: pd.DataFrame, corpus, *, unit: Unit = "sentence", codes=None, documents=None,
              count_uncoded: bool = False, rollup_codebook=None, reference: str | None = None, coders=None,
              include_interviewer: bool = False, scope: str = "reviewed") -> AgreementResult:
    """Agreement of the auto coding with a human coding, per code and pooled, over the units the human
    coder looked at.

    Which units the reference coder looked at (``scope='reviewed'``, the default): the units its rows
    locate — with a code, or with an empty code for a unit it saw and left uncoded (a rejected
    suggestion in a review sheet) — and every unit of a document it marks whole: by a row that names
    only the document, or by ``documents``. A human coder who coded five sentences is compared on those
    five, not on every unit the tool coded in that interview. ``scope='documents'``: every document the
    reference has a row for counts whole (a complete coding from NVivo, say).
    Of those units (interviewer turns excluded unless ``include_interviewer``), the ones that at least
    one coder — auto or human — coded with any of the selected codes count; units no coder coded are not
    counted as agreement. With ``count_uncoded``, every looked-at unit counts. The same units count for
    every code, so a unit coded with code B counts as agreement on the absence of code A. Column
    ``counted`` says which.

    Statistics per code, over the counted units, each unit a yes/no decision for the code:
    ``percent_agreement`` (0–100), Cohen's κ and precision/recall/F1 of auto against the
    reference coder, and Krippendorff's α (nominal) over all coders (auto and every human coder;
    a human coder's units are missing data in documents where that coder has no row). κ and α
    are NaN, with a ``note``, for a code no coder used, when no unit is counted, and when both
    coders coded every counted unit (no variation). The row ``code == OVERALL`` pools every
    (unit, code) decision (pooled κ and α, micro precision/recall/F1).

    Args:
        human: a path (see ``read_coding``) or a frame from ``read_coding``/``coding_frame``.
        auto: the frame of ``code_corpus`` (document, segment, start, end, code, unit, matched …),
            coded with the same or a finer unit than ``unit``.
        corpus: the Corpus both codings refer to.
        unit: 'sentence', 'paragraph' or 'turn'.
        codes: the codes to compare (default: every code either side used; with a codebook, its
            codes in order, unused ones included).
        documents: document ids or names to compare, each counted whole (default: every document the
            reference coder has a row for, with the units its rows locate).
        count_uncoded: also count units that no coder coded.
        rollup_codebook: a Codebook: each code also counts for its ancestors on both sides, and
            human codes given by label instead of id are mapped to the id.
        reference: the human coder (column ``coder``) auto is compared with; needed when the
            coding has several coders.
        coders: the human coders to use (default: all).
        include_interviewer: compare interviewer turns too.
        scope: 'reviewed' (the units the reference looked at) or 'documents' (its documents whole).
    """
    check_choice("unit", unit, UNITS)
    check_choice("scope", scope, SCOPES)
    human = as_coding(human)
    auto = _check_auto(auto, unit)
    book = rollup_codebook
    if book is not None:
        labels = {c.label.casefold(): c.id for c in book.flat() if c.label}
        ids = set(book.ids)
        human = human.assign(code=[c if (c in ids or not c) else labels.get(c.casefold(), c) for c in human["code"]])
    every_coder = list(dict.fromkeys(human["coder"]))
    if coders is not None:
        for coder in coders:
            check_choice("coders", coder, every_coder)
        human = human[human["coder"].isin(list(coders))]
    human_coders = list(dict.fromkeys(human["coder"])) or ["human"]
    if reference is None:
        if len(human_coders) > 1:
            raise UsageError(f"the human coding has {len(human_coders)} coders ({', '.join(human_coders)}): "
                             "pass reference= the one to compare auto with")
        reference = human_coders[0]
    check_choice("reference", reference, human_coders)

    docs = Documents(corpus)
    resolved = {name: docs.resolve(name)[0] for name in human["document"].unique()}
    covered = {c: {resolved[d] for d in human.loc[human["coder"] == c, "document"] if resolved[d]}
               for c in human_coders}
    if documents is not None:
        selected = []
        for name in ([documents] if isinstance(documents, str) else documents):
            doc_id, reason = docs.resolve(name)
            if doc_id is None:
                raise UsageError(f"documents: {reason}")
            selected.append(doc_id)
        covered[reference] = covered[reference] | set(selected)
    else:
        selected = sorted(covered[reference])
    selected = list(dict.fromkeys(selected))
    # documents the reference looked at whole: named, marked by a document-only row, or every one by scope
    whole = set(selected) if scope == "documents" or documents is not None else {
        resolved[row.document] for row in human.itertuples(index=False)
        if row.coder == reference and not row.code and resolved.get(row.document) and not has_locator(row._asdict())}

    aligned, unaligned, hits = align_units(human, docs, unit, include_interviewer)
    expand = (lambda cs: expand_ancestors(cs, book)) if book is not None else (lambda cs: set(cs))
    coded: dict[str, dict[tuple[str, int], set[str]]] = {c: {} for c in [AUTO, *human_coders]}
    lines: dict[tuple[str, int, str], list] = {}
    looked_at = set()
    for coder, doc_id, u, code, line in hits:
        if doc_id in selected:
            if coder == reference:
                looked_at.add((doc_id, u))
            for c in expand({code} - {""}):
                coded[coder].setdefault((doc_id, u), set()).add(c)
                lines.setdefault((doc_id, u, c), []).append(line)
    matched: dict[tuple[str, int, str], str] = {}
    for row in auto[auto["document"].isin(selected)].itertuples(index=False):
        doc_units = docs.get(row.document, unit)
        start, end = int(row.start), int(row.end)
        found, _ = doc_units.locate(int(row.segment), start, max(end, start + 1))
        if not found:
            raise UsageError(f"auto: {row.document}, segment {row.segment}, {start}–{end} is not in the corpus's "
                             "text; code this corpus again")
        u = found[0]
        if doc_units.interviewer[u] and not include_interviewer:
            continue
        for c in expand({row.code}):
            coded[AUTO].setdefault((row.document, u), set()).add(c)
            matched.setdefault((row.document, u, c), cell_text(getattr(row, "matched", "")))

    used = set().union(*(s for per in coded.values() for s in per.values()))
    code_list = _code_list(codes, used, book)
    wanted = set(code_list)
    universe = [(d, u) for d in selected for u, interviewer in enumerate(docs.get(d, unit).interviewer)
                if (include_interviewer or not interviewer) and (d in whole or (d, u) in looked_at)]
    if count_uncoded:
        counted_units = universe
    else:
        counted_units = [k for k in universe if any(per.get(k, set()) & wanted for per in coded.values())]
    either = "either coder" if len(human_coders) == 1 else "any coder"
    seen = "units of the documents" if scope == "documents" or documents is not None else (
        "units the human coder looked at")
    counted = f"all {seen}" if count_uncoded else f"{seen}, coded by {either}"

    if len(unaligned):
        in_scope = [(documents is None if resolved.get(d) is None else resolved[d] in selected)
                    and (codes is None or bool(expand({c}) & wanted))
                    for d, c in zip(unaligned["document"], unaligned["code"])]
        unaligned = unaligned[in_scope].reset_index(drop=True)

    order = [AUTO, reference] + [c for c in human_coders if c != reference]
    missing = {c: {d for d in selected if d not in covered[c]} for c in human_coders}
    matrices = []
    rows = []
    for code in code_list:
        data = np.array([[np.nan if k[0] in missing.get(c, ()) else float(code in coded[c].get(k, ()))
                          for k in counted_units] for c in order]).reshape(len(order), len(counted_units))
        matrices.append(data)
        rows.append(_stats(code, data, counted, len(order)))
    pooled = np.hstack(matrices) if matrices else np.zeros((len(order), 0))
    overall = _stats(OVERALL, pooled, counted, len(order))
    overall["units"] = len(counted_units)
    overall["note"] = "pooled over every (unit, code) decision; precision/recall/F1 are micro averages"
    per_code = pd.DataFrame(rows + [overall], columns=AGREEMENT_COLUMNS)

    disagreements, unit_rows = [], []
    for k in counted_units:
        doc_units = docs.get(k[0], unit)
        doc = doc_units.doc
        seg, sent = doc_units.keys[k[1]]
        segment = doc.segments[seg]
        where = (k[0], doc.case, doc.kind, seg, sent, segment.page, segment.turn, segment.speaker)
        h, a = coded[reference].get(k, set()) & wanted, coded[AUTO].get(k, set()) & wanted
        unit_rows.append((*where, ";".join(c for c in code_list if c in h), ";".join(c for c in code_list if c in a),
                          doc_units.texts[k[1]]))
        for code in code_list:
            if (code in h) != (code in a):
                disagreements.append((*where, code, int(code in h), int(code in a), matched.get((*k, code), ""),
                                      ";".join(str(x) for x in lines.get((*k, code), [])) if code in h else "",
                                      doc_units.texts[k[1]]))
    disagreements = _typed(pd.DataFrame(disagreements, columns=DISAGREEMENT_COLUMNS))
    units_frame = _typed(pd.DataFrame(unit_rows, columns=UNIT_COLUMNS))
    summary = _summary(per_code, counted, len(counted_units), len(selected), unaligned)
    return AgreementResult(per_code, disagreements, unaligned, summary, units_frame, aligned)


def _check_auto(auto: pd.DataFrame, unit: str) -> pd.DataFrame:
    if not isinstance(auto, pd.DataFrame):
        raise UsageError(f"auto must be the coded_segments frame of code_corpus, not {type(auto).__name__}")
    missing = [c for c in ("document", "segment", "start", "end", "code") if c not in auto.columns]
    if missing:
        raise UsageError(f"auto is missing column(s) {', '.join(missing)}: pass the coded_segments frame of "
                         "code_corpus (or coded_segments.csv)")
    if "unit" in auto.columns and len(auto):
        for coded_unit in auto["unit"].dropna().unique():
            if _UNIT_ORDER.get(coded_unit, -1) > _UNIT_ORDER[unit]:
                raise UsageError(f"auto was coded by {coded_unit}, which cannot be split into {unit}s: code again "
                                 f"with unit={unit!r} or compare with unit={coded_unit!r}")
    return auto


def _code_list(codes, used: set[str], book) -> list[str]:
    if codes is not None:
        codes = list(dict.fromkeys([codes] if isinstance(codes, str) else codes))
        if book is not None:
            for code in codes:
                if code not in book and code not in used:
                    raise UsageError(f"codes: {code!r} is neither in the codebook nor in either coding")
        return codes
    if book is not None:
        return book.ids + sorted(used - set(book.ids))
    return sorted(used)


def _stats(code: str, data: np.ndarray, counted: str, n_coders: int) -> dict:
    """One row of per_code from a coders × units 0/1 matrix (row 0 auto, row 1 the reference)."""
    a, h = data[0].astype(int), data[1].astype(int)
    n = len(a)
    both, n_auto, n_human = int((a & h).sum()), int(a.sum()), int(h.sum())
    precision, recall, f1 = (np.nan if v is None else v for v in prf(both, n_auto, n_human))
    kappa = cohen_kappa(h, a)
    alpha = krippendorff_alpha(data)
    note = ""
    if n == 0:
        note = "no units counted: κ and α undefined"
    elif not np.nansum(data):
        note = f"never used by {'either' if n_coders == 2 else 'any'} coder: κ and α undefined"
    elif np.isnan(kappa):
        note = "no variation (auto and the reference agree on every unit with the same value): κ " + (
            "and α undefined" if np.isnan(alpha) else "undefined")
    return {"code": code, "units": n, "human": n_human, "auto": n_auto, "both": both,
            "percent_agreement": 100.0 * float((a == h).mean()) if n else np.nan, "kappa": kappa, "alpha": alpha,
            "precision": precision, "recall": recall, "f1": f1, "counted": counted, "note": note}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("segment", "sentence", "page", "turn"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _summary(per_code: pd.DataFrame, counted: str, n_units: int, n_documents: int, unaligned: pd.DataFrame) -> str:
    codes = per_code[per_code["code"] != OVERALL]
    defined = codes["kappa"].dropna()
    if len(defined):
        undefined = len(codes) - len(defined)
        head = f"mean κ {defined.mean():.2f} over {_plural(len(defined), 'code')}" + (
            f" ({undefined} more with κ undefined)" if undefined else "")
    else:
        head = f"κ undefined ({_plural(len(codes), 'code')})"
    alpha = per_code.loc[per_code["code"] == OVERALL, "alpha"].iloc[0]
    parts = [head] + ([f"pooled α {alpha:.2f}"] if not np.isnan(alpha) else [])
    rows = len(unaligned.drop_duplicates(subset=["coder", "line", "document"])) if len(unaligned) else 0
    parts.append(f"{_plural(n_units, 'unit')} ({counted}) in {_plural(n_documents, 'document')}")
    parts.append(f"{_plural(rows, 'human row')} not aligned")
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def agreement_frames(human, coded: pd.DataFrame, corpus, codebook, *, unit: Unit = "sentence",
                     **options) -> tuple[dict[str, pd.DataFrame], str]:
    """agreement (per code), disagreements and unaligned human rows keyed by file stem, and the summary line.
    ``human``: a path (CSV, XLSX, .qdpx) or a frame (see :func:`read_coding`)."""
    if not isinstance(human, pd.DataFrame):
        human = read_coding(human, codebook=codebook)
    result = agreement(human, coded, corpus, unit=unit, rollup_codebook=codebook, **options)
    return ({"agreement": result.per_code, "disagreements": result.disagreements, "unaligned": result.unaligned},
            result.summary)
