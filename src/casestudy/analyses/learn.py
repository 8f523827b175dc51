"""Learning from a team's own coding: one classifier per code that suggests codes where the codebook's
patterns do not reach, with an honest evaluation and a model file that cannot run code.

Units are the coded units (sentences or turns) a human looked at, each with its text, document, kind and
the human's codes. Features: TF-IDF of lemma unigrams and bigrams, the codebook's own pattern hits, and
the document kind. Each code with enough positive examples gets a class-weighted logistic regression;
its probabilities are calibrated (Platt scaling) on the cross-validation predictions. The evaluation
is cross-validation grouped by document (no sentence of an interview is both trained and tested on), per
code for (a) the codebook alone, (b) the classifier alone, (c) both (a code from either); a code whose
classifier does not make (c) better than (a) is not suggested.

The model is saved as ``model.json`` (schema version, codebook hash, vocabulary, per-code weights and
calibration) and ``weights.npz`` (arrays, read without pickle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook
from ..errors import CasestudyError, UsageError
from ..text.nlp import tokenize_segments
from .agreement.stats import binary_scores

SCHEMA = "casestudy-coder-1"
#: Columns of a units frame: one row per unit a human looked at; ``codes``: its codes joined by ';'.
UNIT_COLUMNS = ["document", "kind", "text", "codes"]
EVALUATION_COLUMNS = ["code", "support", "method", "precision", "recall", "f1", "kappa", "suggested"]
METHODS = ("codebook", "classifier", "combined")


@dataclass
class CodeModel:
    """A trained coder: the vocabulary and idf of its TF-IDF features, and per code its weights."""

    codebook_sha256: str
    codes: list[str]
    vocabulary: list[str]
    idf: np.ndarray
    pattern_codes: list[str]
    coef: np.ndarray  # codes × features
    intercept: np.ndarray
    calibration: np.ndarray  # codes × 2: Platt a, b (p = 1 / (1 + exp(a·s + b)))
    suggested: list[bool]
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)

    def save(self, folder: str | Path) -> Path:
        """model.json and weights.npz in ``folder`` (no pickle); the evaluation as evaluation.csv."""
        from ..atomic import atomic_path

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"schema": SCHEMA, "codebook_sha256": self.codebook_sha256, "codes": self.codes,
                "vocabulary": self.vocabulary, "pattern_codes": self.pattern_codes, "suggested": self.suggested}
        with atomic_path(folder / "model.json") as tmp:
            tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        with atomic_path(folder / "weights.npz") as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, idf=self.idf, coef=self.coef, intercept=self.intercept,
                         calibration=self.calibration)
        return folder


def load_model(folder: str | Path, codebook: Codebook) -> CodeModel:
    """A saved coder, checked against ``codebook``: a model made with another version of it is an error."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
            weights = {name: arrays[name] for name in ("idf", "coef", "intercept", "calibration")}
    except (OSError, ValueError, KeyError) as exc:
        raise CasestudyError(f"{folder}: not a casestudy model ({type(exc).__name__}); train one with "
                             "casestudy train") from None
    if meta.get("schema") != SCHEMA:
        raise CasestudyError(f"{folder}: model schema {meta.get('schema')!r}, this casestudy reads {SCHEMA!r}")
    if meta.get("codebook_sha256") != codebook.sha256:
        raise CasestudyError(f"{folder}: the model was trained with another version of the codebook "
                             f"{codebook.path or codebook.name}; train it again with this one")
    return CodeModel(meta["codebook_sha256"], meta["codes"], meta["vocabulary"], weights["idf"],
                     meta["pattern_codes"], weights["coef"], weights["intercept"], weights["calibration"],
                     meta["suggested"])


# --- features ---------------------------------------------------------------------------------------------------


def _lemma_docs(texts: list[str]) -> list[list[str]]:
    """Each text's lemma unigrams and bigrams (words with a letter only)."""
    from ..text.nlp import ALPHA

    table = tokenize_segments(list(texts)) if texts else None
    docs: list[list[str]] = [[] for _ in texts]
    if table is None:
        return docs
    lemmas: list[list[str]] = [[] for _ in texts]
    for k in range(len(table)):
        if table.flags[k] & ALPHA:
            lemmas[int(table.segment[k])].append(table.strings[table.lemma[k]])
    for i, words in enumerate(lemmas):
        docs[i] = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    return docs


def _pattern_hits(texts: list[str], kinds: list[str], codebook: Codebook) -> tuple[list[str], np.ndarray]:
    from .coding import code_texts, expand_ancestors

    codes = codebook.ids
    found = code_texts(texts, codebook, kinds=kinds)
    place = {c: j for j, c in enumerate(codes)}
    hits = np.zeros((len(texts), len(codes)))
    for i, cs in enumerate(found):
        for c in expand_ancestors(cs, codebook):
            hits[i, place[c]] = 1.0
    return codes, hits


def _features(texts, kinds, codebook, vocabulary: list[str], idf: np.ndarray):
    from scipy import sparse

    index = {term: j for j, term in enumerate(vocabulary)}
    rows, cols, vals = [], [], []
    for i, terms in enumerate(_lemma_docs(texts)):
        counts: dict[int, int] = {}
        for term in terms:
            j = index.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        weights = {j: (1 + np.log(n)) * idf[j] for j, n in counts.items()}
        norm = np.sqrt(sum(w * w for w in weights.values())) or 1.0
        for j, w in weights.items():
            rows.append(i), cols.append(j), vals.append(w / norm)
    tfidf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocabulary)))
    _, hits = _pattern_hits(list(texts), list(kinds), codebook)
    kind = np.array([[k == "plan", k == "interview"] for k in kinds], float).reshape(len(texts), 2)
    return sparse.hstack([tfidf, sparse.csr_matrix(hits), sparse.csr_matrix(kind)]).tocsr(), hits


def _vocabulary(texts: list[str], min_df: int = 2) -> tuple[list[str], np.ndarray]:
    df: dict[str, int] = {}
    docs = _lemma_docs(texts)
    for terms in docs:
        for term in set(terms):
            df[term] = df.get(term, 0) + 1
    vocabulary = sorted(t for t, n in df.items() if n >= min_df)
    idf = np.array([np.log((1 + len(docs)) / (1 + df[t])) + 1 for t in vocabulary])
    return vocabulary, idf


# --- training and evaluation ---------------------------------------------------------------------------------


def _labels(units: pd.DataFrame, codebook: Codebook) -> tuple[list[str], np.ndarray]:
    from .coding import expand_ancestors

    codes = codebook.ids
    y = np.zeros((len(units), len(codes)), bool)
    place = {c: j for j, c in enumerate(codes)}
    for i, cell in enumerate(units["codes"].fillna("")):
        for c in expand_ancestors({c for c in str(cell).split(";") if c.strip()}, codebook):
            if c in place:
                y[i, place[c]] = True
    return codes, y


def _fit(x, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(class_weight="balanced", max_iter=2000, C=2.0)
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling of decision scores to probabilities (fit on held-out scores)."""
    from sklearn.linear_model import LogisticRegression

    if y.all() or not y.any():
        return -1.0, 0.0
    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(scores.reshape(-1, 1), y)
    return -float(fitted.coef_[0][0]), -float(fitted.intercept_[0])


def train_coder(units: pd.DataFrame, codebook: Codebook, *, min_examples: int = 10, folds: int = 5,
                threshold: float = 0.5) -> CodeModel:
    """Train one classifier per code with at least ``min_examples`` positive units, evaluate by
    cross-validation grouped by document, and fit the final model on every unit.

    Args:
        units: UNIT_COLUMNS (see :func:`units_from_coding` to make them from a human coding of a corpus).
        codebook: the codebook the human coded with; its pattern hits are features and the baseline.
    Returns:
        The model; ``model.evaluation`` holds EVALUATION_COLUMNS (per code and 'micro').
    """
    from sklearn.model_selection import GroupKFold

    missing = [c for c in UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise UsageError(f"units needs the columns {', '.join(UNIT_COLUMNS)}; missing {', '.join(missing)}")
    units = units.reset_index(drop=True)
    texts, kinds = list(units["text"].astype(str)), list(units["kind"].astype(str))
    codes, y = _labels(units, codebook)
    trained = [j for j in range(len(codes)) if y[:, j].sum() >= min_examples and (~y[:, j]).sum() >= min_examples]
    if not trained:
        raise UsageError(f"no code has {min_examples} positive and negative units; code more, or lower "
                         "min_examples")
    groups = units["document"].astype(str).to_numpy()
    n_folds = min(folds, len(set(groups)))
    if n_folds < 2:
        raise UsageError("the units come from one document: cross-validation by document needs two or more")
    scores = np.zeros((len(units), len(trained)))
    baseline = np.zeros((len(units), len(codes)), bool)
    for train, test in GroupKFold(n_splits=n_folds).split(texts, groups=groups):
        vocabulary, idf = _vocabulary([texts[i] for i in train])
        x_train, _ = _features([texts[i] for i in train], [kinds[i] for i in train], codebook, vocabulary, idf)
        x_test, hits = _features([texts[i] for i in test], [kinds[i] for i in test], codebook, vocabulary, idf)
        baseline[test] = hits.astype(bool)
        for k, j in enumerate(trained):
            if y[train, j].all() or not y[train, j].any():
                continue
            coef, intercept = _fit(x_train, y[train, j])
            scores[test, k] = x_test @ coef + intercept
    rows, suggested = [], []
    calibration = []
    pooled = {m: ([], []) for m in METHODS}
    for k, j in enumerate(trained):
        a, b = _platt(scores[:, k], y[:, j])
        calibration.append((a, b))
        probability = 1 / (1 + np.exp(a * scores[:, k] + b))
        predictions = {"codebook": baseline[:, j], "classifier": probability >= threshold}
        predictions["combined"] = predictions["codebook"] | predictions["classifier"]
        results = {m: binary_scores(y[:, j], p) for m, p in predictions.items()}
        use = bool(np.nan_to_num(results["combined"][2]) > np.nan_to_num(results["codebook"][2]))
        suggested.append(use)
        for method, (precision, recall, f1, kappa) in results.items():
            rows.append((codes[j], int(y[:, j].sum()), method, precision, recall, f1, kappa, use))
            truth, pred = pooled[method]
            truth.append(y[:, j])
            pred.append(predictions[method] if method != "combined" or use else predictions["codebook"])
    for method in METHODS:
        truth, pred = (np.concatenate(v) for v in pooled[method])
        rows.append(("micro", int(truth.sum()), method, *binary_scores(truth, pred), None))
    evaluation = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    vocabulary, idf = _vocabulary(texts)
    x, _ = _features(texts, kinds, codebook, vocabulary, idf)
    coef, intercept = zip(*(_fit(x, y[:, j]) for j in trained))
    return CodeModel(codebook.sha256, [codes[j] for j in trained], vocabulary, idf, codebook.ids,
                     np.vstack(coef), np.array(intercept), np.array(calibration), suggested, evaluation)


def suggest_texts(texts: list[str], kinds: list[str], model: CodeModel, codebook: Codebook,
                  *, all_codes: bool = False) -> list[dict[str, float]]:
    """For each text, the codes the model suggests (probability ≥ 0.5) with their probability; only the
    codes whose classifier beat the codebook in the evaluation, unless ``all_codes``."""
    if not texts:
        return []
    x, _ = _features(list(texts), list(kinds), codebook, model.vocabulary, model.idf)
    scores = x @ model.coef.T + model.intercept
    probability = 1 / (1 + np.exp(model.calibration[:, 0] * scores + model.calibration[:, 1]))
    out = []
    for row in np.asarray(probability):
        out.append({code: round(float(p), 4) for code, p, use in zip(model.codes, row, model.suggested)
                    if p >= 0.5 and (use or all_codes)})
    return out
