"""Agreement between an automatic and a reference (human) coding: precision, recall, F1, kappa, alpha."""

from __future__ import annotations

import pandas as pd

PRF_COLUMNS = ["code", "support", "predicted", "true_positives", "precision", "recall", "f1"]


def precision_recall(predicted: list[set[str]], reference: list[set[str]], codes: list[str] | None = None,
                     ) -> pd.DataFrame:
    """Per-code precision/recall/F1 of ``predicted`` against ``reference`` (one set of codes per unit),
    plus a 'micro' row over all codes. A code with no support and no prediction gets empty scores."""
    if len(predicted) != len(reference):
        from .errors import UsageError

        raise UsageError(f"predicted has {len(predicted)} units but reference has {len(reference)}")
    if codes is None:
        codes = sorted(set().union(*predicted, *reference)) if predicted else []
    rows = []
    total_tp = total_pred = total_ref = 0
    for code in codes:
        tp = sum(1 for p, r in zip(predicted, reference) if code in p and code in r)
        n_pred = sum(1 for p in predicted if code in p)
        n_ref = sum(1 for r in reference if code in r)
        total_tp, total_pred, total_ref = total_tp + tp, total_pred + n_pred, total_ref + n_ref
        rows.append((code, n_ref, n_pred, tp, *_prf(tp, n_pred, n_ref)))
    rows.append(("micro", total_ref, total_pred, total_tp, *_prf(total_tp, total_pred, total_ref)))
    return pd.DataFrame(rows, columns=PRF_COLUMNS)


def _prf(tp: int, n_pred: int, n_ref: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / n_pred if n_pred else None
    recall = tp / n_ref if n_ref else None
    if precision is None or recall is None:
        f1 = None if (n_pred == 0 and n_ref == 0) else 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
