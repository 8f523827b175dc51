"""Reviewing the auto-coding: one row per coded unit to accept, reject or recode, and what the decisions
make of it — the reviewed coding (the human coding for ``agreement`` and for learning) and the agreement
of the tool with the reviewer on exactly the reviewed units.

The review sheet itself (an XLSX with a drop-down) is written and read by ``output/review_sheet.py``.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..errors import UsageError
from .agreement import AGREEMENT_COLUMNS, OVERALL
from .agreement.stats import binary_scores, krippendorff_alpha

#: The review sheet's columns; the reviewer fills ``decision``, ``codes_reviewed`` and ``comment``.
#: ``codes`` holds every code suggested for the unit; ``model_codes`` those of them a trained model
#: suggested (``run --suggest``), each with its probability, and ``probability`` the one closest to 0.5.
REVIEW_COLUMNS = ["unit_id", "document", "case", "kind", "page", "turn", "speaker", "role", "unit", "segment", "text",
                  "codes", "labels", "matched", "negated", "decision", "codes_reviewed", "comment", "model_codes",
                  "probability"]
#: What a reviewer can decide for a unit's suggested codes.
DECISIONS = ("accept", "reject", "other code")
#: Other ways of writing a decision that are read as one of DECISIONS (case-folded).
DECISION_SYNONYMS = {"godta": "accept", "godtatt": "accept", "ok": "accept", "ja": "accept", "avvis": "reject",
                     "avvist": "reject", "nei": "reject", "annen kode": "other code", "other": "other code",
                     "change": "other code", "endre": "other code"}
#: coded_segments_reviewed.csv: one row per (reviewed unit, code). ``code`` is the reviewer's code (empty
#: where a suggestion was rejected), ``suggested`` the tool's code it stands for (empty for a code the
#: reviewer added); readable by ``read_coding`` as a human coding of exactly the reviewed units.
REVIEWED_COLUMNS = ["document", "case", "kind", "segment", "page", "turn", "speaker", "role", "unit", "code",
                    "suggested", "decision", "comment", "text"]


def unit_key(document: str, unit: str, segment, turn, text: str) -> str:
    """A stable id of a coded unit (document, unit kind, its segment or turn, its text): the same unit
    gets the same id after a recode, so earlier decisions can be carried over."""
    place = turn if unit == "turn" and pd.notna(turn) else segment
    raw = "\0".join([document, unit, str(place), text]).encode("utf-8", "surrogatepass")
    return hashlib.sha1(raw).hexdigest()[:12]


def review_units(coded: pd.DataFrame) -> pd.DataFrame:
    """One row per coded unit of a coded_segments frame (REVIEW_COLUMNS), in the frame's order: its codes,
    labels and matched words joined, negated when any match is; the decision columns empty. A row of a
    model's suggestion (``source`` 'model') adds its code to ``codes`` and to ``model_codes`` with its
    probability."""
    if coded.empty:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    keys = [unit_key(d, u, s, t, x) for d, u, s, t, x in
            zip(coded["document"], coded["unit"], coded["segment"], coded["turn"], coded["text"])]
    rows: dict[str, dict] = {}
    for key, row in zip(keys, coded.to_dict("records")):
        found = rows.get(key)
        if found is None:
            found = rows[key] = {
                "unit_id": key, **{c: row[c] for c in ("document", "case", "kind", "page", "turn", "speaker", "role",
                                                        "unit", "segment", "text")},
                "codes": [], "labels": [], "matched": [], "negated": False,
                "decision": "", "codes_reviewed": "", "comment": "", "model_codes": [], "probability": np.nan}
        if row["code"] not in found["codes"]:
            found["codes"].append(row["code"])
            found["labels"].append(row.get("label") or row["code"])
        if row.get("source") == "model":
            p = float(row["probability"])
            found["model_codes"].append(f"{row['code']} {p:.2f}")
            if np.isnan(found["probability"]) or abs(p - 0.5) < abs(found["probability"] - 0.5):
                found["probability"] = p
        if row["matched"] and row["matched"] not in found["matched"]:
            found["matched"].append(row["matched"])
        found["negated"] = found["negated"] or bool(row.get("negated"))
    frame = pd.DataFrame(list(rows.values()), columns=REVIEW_COLUMNS)
    frame["codes"] = frame["codes"].map(";".join)
    frame["labels"] = frame["labels"].map("; ".join)
    frame["matched"] = frame["matched"].map(" | ".join)
    frame["model_codes"] = frame["model_codes"].map("; ".join)
    return frame


def uncertain_first(units: pd.DataFrame, n: int) -> pd.DataFrame:
    """The review rows with the ``n`` units whose model suggestion is closest to probability 0.5 first
    (closest first; active learning: where a human's decision teaches the model most), the rest after in
    their order."""
    if n < 0:
        raise UsageError(f"uncertain must be 0 or more, not {n}")
    probability = pd.to_numeric(units["probability"], errors="coerce")
    distance = (probability - 0.5).abs()
    chosen = distance.dropna().sort_values(kind="stable").index[:n]
    return pd.concat([units.loc[chosen], units.drop(index=chosen)]).reset_index(drop=True)


def carry_decisions(units: pd.DataFrame, earlier: pd.DataFrame | None) -> pd.DataFrame:
    """The review rows of a new coding with the decisions of an earlier sheet: kept for a unit whose
    suggested codes are unchanged; for a unit whose codes changed, the decision is left empty and the
    comment says what the codes were."""
    if earlier is None or earlier.empty:
        return units
    before = earlier.drop_duplicates("unit_id").set_index("unit_id")
    units = units.copy()
    for i, row in units.iterrows():
        if row["unit_id"] not in before.index:
            continue
        old = before.loc[row["unit_id"]]
        if not str(old["decision"] or "").strip():
            continue
        if old["codes"] == row["codes"]:
            units.loc[i, ["decision", "codes_reviewed", "comment"]] = [old["decision"], old["codes_reviewed"],
                                                                       old["comment"]]
        else:
            note = f"[koder endret siden forrige gjennomgang: var {old['codes']}, {old['decision']}]"
            units.loc[i, "comment"] = f"{note} {old['comment']}".strip()
    return units


def _decision(value, where: str) -> str:
    text = str(value or "").strip().casefold()
    if not text:
        return ""
    text = DECISION_SYNONYMS.get(text, text)
    if text not in DECISIONS:
        raise UsageError(f"{where}, column 'decision': {value!r} is not a decision; use accept, reject or other code")
    return text


def _codes(value) -> list[str]:
    return [c.strip() for c in str(value or "").replace(",", ";").split(";") if c.strip()]


def reviewed_coding(sheet: pd.DataFrame, *, known_codes=None, source: str = "review sheet") -> pd.DataFrame:
    """The reviewed units of a filled review sheet as REVIEWED_COLUMNS: accepted codes, codes given with
    'other code', and rejected suggestions (code empty, ``suggested`` the rejected code, with the
    comment as reason). Units without a decision were not reviewed and are left out. ``known_codes``:
    the codebook's ids, to refuse a mistyped code."""
    rows = []
    for number, row in enumerate(sheet.to_dict("records"), 2):  # row 1 is the header
        where = f"{source}, row {number}"
        decision = _decision(row.get("decision"), where)
        if not decision:
            continue
        suggested = _codes(row["codes"])
        if decision == "accept":
            final = suggested
        elif decision == "reject":
            final = []
        else:
            final = _codes(row.get("codes_reviewed"))
            if not final and not str(row.get("codes_reviewed") or "").strip():
                raise UsageError(f"{where}, column 'codes_reviewed': empty; 'other code' needs the codes that "
                                 "apply (separated by ';'), or choose reject")
        if known_codes is not None:
            unknown = [c for c in final if c not in known_codes]
            if unknown:
                raise UsageError(f"{where}, column 'codes_reviewed': {', '.join(unknown)} is not a code of the "
                                 "codebook; use its ids (casestudy codebook show)")
        place = {c: row.get(c) for c in ("document", "case", "kind", "segment", "page", "turn", "speaker", "role",
                                         "unit")}
        comment = str(row.get("comment") or "").strip()
        for code in final:
            rows.append({**place, "code": code, "suggested": code if code in suggested else "",
                         "decision": decision, "comment": comment, "text": row["text"]})
        for code in suggested:
            if code not in final:
                rows.append({**place, "code": "", "suggested": code, "decision": decision, "comment": comment,
                             "text": row["text"]})
    frame = pd.DataFrame(rows, columns=REVIEWED_COLUMNS)
    for column in ("segment", "page", "turn"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame


def review_agreement(reviewed: pd.DataFrame, codebook=None) -> pd.DataFrame:
    """Agreement of the tool with the reviewer on the reviewed units only (AGREEMENT_COLUMNS): per code
    used on either side and pooled, each reviewed unit a yes/no decision for the code on each side. With
    the run's ``codebook``, a code also counts for its ancestors (as ``agreement`` counts) and codes come
    in its order."""
    if reviewed.empty:
        return pd.DataFrame(columns=AGREEMENT_COLUMNS)
    unit_of = reviewed[["document", "unit", "segment", "turn", "text"]].astype(str).agg("\0".join, axis=1)
    human: dict[str, set[str]] = {u: set() for u in unit_of}
    auto: dict[str, set[str]] = {u: set() for u in unit_of}
    for u, code, suggested in zip(unit_of, reviewed["code"], reviewed["suggested"]):
        human[u].update([code] if code else [])
        auto[u].update([suggested] if suggested else [])
    if codebook is not None:
        from .coding import expand_ancestors

        human = {u: expand_ancestors(c, codebook) for u, c in human.items()}
        auto = {u: expand_ancestors(c, codebook) for u, c in auto.items()}
    used = set().union(*human.values(), *auto.values())
    order = codebook.ids if codebook is not None else sorted(used)
    codes = [c for c in order if c in used] + sorted(used - set(order))
    units = list(human)
    h = np.array([[c in human[u] for c in codes] for u in units], bool).reshape(len(units), len(codes))
    a = np.array([[c in auto[u] for c in codes] for u in units], bool).reshape(len(units), len(codes))
    rows = [_stats(code, h[:, j], a[:, j]) for j, code in enumerate(codes)]
    overall = _stats(OVERALL, h.ravel(), a.ravel())
    overall.update(units=len(units), note="pooled over every (unit, code) decision; precision/recall/F1 are micro "
                                          "averages")
    return pd.DataFrame(rows + [overall], columns=AGREEMENT_COLUMNS)


def _stats(code: str, human: np.ndarray, auto: np.ndarray) -> dict:
    both, n_human, n_auto = int((human & auto).sum()), int(human.sum()), int(auto.sum())
    n = len(human)
    varied = 0 < n_human + n_auto < 2 * n
    precision, recall, f1, kappa = binary_scores(human, auto)
    return {"code": code, "units": n, "human": n_human, "auto": n_auto, "both": both,
            "percent_agreement": 100.0 * float((human == auto).mean()) if n else np.nan,
            "kappa": kappa,
            "alpha": krippendorff_alpha(np.vstack([auto, human]).astype(float)) if varied else np.nan,
            "precision": precision, "recall": recall, "f1": f1, "counted": "reviewed units",
            "note": "" if varied else "no variation: κ and α undefined"}
