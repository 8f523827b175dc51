"""Agreement statistics on code sets: precision/recall/F1, Cohen's κ, Krippendorff's α."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import UsageError


PRF_COLUMNS = ["code", "support", "predicted", "true_positives", "precision", "recall", "f1"]


def precision_recall(predicted: list[set[str]], reference: list[set[str]], codes: list[str] | None = None,
                     ) -> pd.DataFrame:
    """Per-code precision/recall/F1 of ``predicted`` against ``reference`` (one set of codes per unit),
    plus a 'micro' row over all codes. A code with no support and no prediction gets empty scores."""
    if len(predicted) != len(reference):
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
        rows.append((code, n_ref, n_pred, tp, *prf(tp, n_pred, n_ref)))
    rows.append(("micro", total_ref, total_pred, total_tp, *prf(total_tp, total_pred, total_ref)))
    return pd.DataFrame(rows, columns=PRF_COLUMNS)


def prf(tp: int, n_pred: int, n_ref: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / n_pred if n_pred else None
    recall = tp / n_ref if n_ref else None
    if precision is None or recall is None:
        f1 = None if (n_pred == 0 and n_ref == 0) else 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cohen_kappa(a, b) -> float:
    """Cohen's κ of two coders' labels for the same units; NaN when chance agreement is 1 (no variation)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise UsageError(f"cohen_kappa needs two label lists of the same length, not {a.shape} and {b.shape}")
    n = len(a)
    if n == 0:
        return float("nan")
    agree = int((a == b).sum())
    chance = sum(int((a == c).sum()) * int((b == c).sum()) for c in np.union1d(a, b))
    if chance == n * n:
        return float("nan")
    return (agree * n - chance) / (n * n - chance)


def krippendorff_alpha(data) -> float:
    """Krippendorff's α for nominal data: ``data`` is coders × units, NaN/None where a coder gave no value.

    Built from the coincidence matrix: a unit with m ≥ 2 values adds each ordered pair of values
    from different coders with weight 1/(m − 1); units with fewer than two values are not pairable.
    α = 1 − (n − 1)·Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k. NaN when fewer than two values are pairable or
    all pairable values are the same (no variation).
    """
    table = np.asarray(data, dtype=object)
    if table.ndim != 2:
        raise UsageError("krippendorff_alpha needs a table of coders × units")
    coders, units = np.nonzero(~pd.isna(table))
    if not len(units):
        return float("nan")
    categories, labels = pd.factorize(pd.Series(table[coders, units], dtype=object))
    counts = np.zeros((table.shape[1], len(labels)))  # units × categories
    np.add.at(counts, (units, categories), 1)
    m = counts.sum(axis=1)
    weight = np.where(m >= 2, 1.0 / np.maximum(m - 1, 1), 0.0)
    coincidence = (counts * weight[:, None]).T @ counts - np.diag((counts * weight[:, None]).sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    expected = n * n - (n_c ** 2).sum()
    if n <= 1 or expected <= 1e-12:
        return float("nan")
    observed = n - np.trace(coincidence)
    return float(1.0 - (n - 1) * observed / expected)


def binary_scores(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float, float, float]:
    """Precision, recall, F1 and Cohen's κ of yes/no predictions against yes/no truth (boolean arrays of
    the same units); NaN where undefined (nothing predicted, nothing true, no variation for κ)."""
    tp, n_true, n_pred = int((truth & pred).sum()), int(truth.sum()), int(pred.sum())
    precision = tp / n_pred if n_pred else np.nan
    recall = tp / n_true if n_true else np.nan
    f1 = 2 * tp / (n_true + n_pred) if n_true + n_pred else np.nan
    kappa = cohen_kappa(truth.astype(int), pred.astype(int)) if 0 < n_true + n_pred < 2 * len(truth) else np.nan
    return precision, recall, f1, kappa
