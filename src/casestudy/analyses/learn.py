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
from ..errors import CasestudyError, UsageError, check_choice
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
    unit: str = "sentence"  # the coding unit it was trained on (suggest codes the same unit)
    codebook: str = ""  # the codebook's file (or name) when trained, so suggest can find it again
    warnings: list[str] = field(default_factory=list)  # what was odd about the human coding (not saved)

    def save(self, folder: str | Path) -> Path:
        """model.json and weights.npz in ``folder`` (no pickle); the evaluation as evaluation.csv."""
        from ..atomic import atomic_path

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        from ..output.files import write_csv

        meta = {"schema": SCHEMA, "codebook_sha256": self.codebook_sha256, "codebook": self.codebook,
                "unit": self.unit, "codes": self.codes, "vocabulary": self.vocabulary,
                "pattern_codes": self.pattern_codes, "suggested": self.suggested}
        with atomic_path(folder / "model.json") as tmp:
            tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        with atomic_path(folder / "weights.npz") as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, idf=self.idf, coef=self.coef, intercept=self.intercept,
                         calibration=self.calibration)
        if len(self.evaluation):
            write_csv(self.evaluation, folder / "evaluation.csv")
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
    evaluation = pd.read_csv(folder / "evaluation.csv") if (folder / "evaluation.csv").exists() else pd.DataFrame()
    return CodeModel(meta["codebook_sha256"], meta["codes"], meta["vocabulary"], weights["idf"],
                     meta["pattern_codes"], weights["coef"], weights["intercept"], weights["calibration"],
                     meta["suggested"], evaluation, meta.get("unit", "sentence"), meta.get("codebook", ""))


def model_codebook(folder: str | Path) -> str:
    """The codebook (file or shipped name) a saved model was trained with, as recorded in its model.json."""
    try:
        return json.loads((Path(folder) / "model.json").read_text(encoding="utf-8")).get("codebook", "")
    except (OSError, ValueError):
        raise CasestudyError(f"{folder}: not a casestudy model (no readable model.json); train one with "
                             "casestudy train") from None


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


def _features(terms: list[list[str]], hits: np.ndarray, kinds, vocabulary: list[str], idf: np.ndarray):
    """The feature rows of units: TF-IDF of their ``terms`` (``_lemma_docs``), the codebook's pattern ``hits``
    and the document kind."""
    from scipy import sparse

    index = {term: j for j, term in enumerate(vocabulary)}
    rows, cols, vals = [], [], []
    for i, terms in enumerate(terms):
        counts: dict[int, int] = {}
        for term in terms:
            j = index.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        weights = {j: (1 + np.log(n)) * idf[j] for j, n in counts.items()}
        norm = np.sqrt(sum(w * w for w in weights.values())) or 1.0
        for j, w in weights.items():
            rows.append(i), cols.append(j), vals.append(w / norm)
    tfidf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(hits), len(vocabulary)))
    kind = np.array([[k == "plan", k == "interview"] for k in kinds], float).reshape(len(hits), 2)
    return sparse.hstack([tfidf, sparse.csr_matrix(hits), sparse.csr_matrix(kind)]).tocsr()


def _vocabulary(docs: list[list[str]], min_df: int = 2) -> tuple[list[str], np.ndarray]:
    """The terms in at least ``min_df`` of the units' ``docs`` (``_lemma_docs``), and their smoothed idf."""
    df: dict[str, int] = {}
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


def train_coder(units, codebook: Codebook, *, corpus=None, unit: str = "sentence", scope: str | None = None,
                coder: str | None = None, min_examples: int = 10, folds: int = 5,
                threshold: float = 0.5) -> CodeModel:
    """Train one classifier per code with at least ``min_examples`` positive units, evaluate by
    cross-validation grouped by document, and fit the final model on every unit.

    Args:
        units: UNIT_COLUMNS; or, with ``corpus``, a human coding of it (a path to a CSV, XLSX, .qdpx or
            filled review sheet, or a frame), or a list of them (a unit in several: the last one's codes):
            see :func:`units_from_coding` for ``unit``, ``scope``, ``coder``.
        codebook: the codebook the human coded with; its pattern hits are features and the baseline.
    Returns:
        The model; ``model.evaluation`` holds EVALUATION_COLUMNS (per code and 'micro').
    """
    from sklearn.model_selection import GroupKFold

    if min_examples < 1:
        raise UsageError(f"min_examples must be 1 or more, not {min_examples}")
    if corpus is not None:
        codings = list(units) if isinstance(units, (list, tuple)) else [units]
        found = [units_from_coding(c, corpus, codebook, unit=unit, scope=scope, coder=coder) for c in codings]
        units = pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
        if len(found) > 1:  # a unit in several codings: the last one's codes (a later review of it)
            units = units.drop_duplicates(["document", "text"], keep="last").reset_index(drop=True)
            units.attrs["warnings"] = [w for f in found for w in f.attrs.get("warnings", [])]
    if not isinstance(units, pd.DataFrame):
        raise UsageError(f"units must be a frame of {', '.join(UNIT_COLUMNS)} (or pass corpus= with a human coding)")
    warnings = list(units.attrs.get("warnings", []))
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
    # each unit's terms and pattern hits do not depend on the fold: made once (the vocabulary and idf do)
    terms = _lemma_docs(texts)
    _, hits = _pattern_hits(texts, kinds, codebook)
    baseline = hits.astype(bool)
    for train, test in GroupKFold(n_splits=n_folds).split(texts, groups=groups):
        vocabulary, idf = _vocabulary([terms[i] for i in train])
        x_train = _features([terms[i] for i in train], hits[train], [kinds[i] for i in train], vocabulary, idf)
        x_test = _features([terms[i] for i in test], hits[test], [kinds[i] for i in test], vocabulary, idf)
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
    vocabulary, idf = _vocabulary(terms)
    x = _features(terms, hits, kinds, vocabulary, idf)
    coef, intercept = zip(*(_fit(x, y[:, j]) for j in trained))
    return CodeModel(codebook.sha256, [codes[j] for j in trained], vocabulary, idf, codebook.ids,
                     np.vstack(coef), np.array(intercept), np.array(calibration), suggested, evaluation, unit,
                     _codebook_reference(codebook), warnings)


def _codebook_reference(codebook: Codebook) -> str:
    """How a model names its codebook: a shipped one by its name, another by its absolute path."""
    from ..codebook import resolve_codebook, shipped_exists

    if codebook.path is None:
        return codebook.name
    path = Path(codebook.path).resolve()
    try:
        if shipped_exists(path.stem) and resolve_codebook(path.stem).resolve() == path:
            return path.stem
    except CasestudyError:
        pass
    return str(path)


def suggest_texts(texts: list[str], kinds: list[str], model: CodeModel, codebook: Codebook,
                  *, all_codes: bool = False, threshold: float = 0.5) -> list[dict[str, float]]:
    """For each text, the codes the model suggests (probability ≥ ``threshold``) with their probability;
    only the codes whose classifier beat the codebook in the evaluation, unless ``all_codes``."""
    if not texts:
        return []
    texts, kinds = list(texts), list(kinds)
    x = _features(_lemma_docs(texts), _pattern_hits(texts, kinds, codebook)[1], kinds, model.vocabulary, model.idf)
    scores = x @ model.coef.T + model.intercept
    probability = 1 / (1 + np.exp(model.calibration[:, 0] * scores + model.calibration[:, 1]))
    out = []
    for row in np.asarray(probability):
        out.append({code: round(float(p), 4) for code, p, use in zip(model.codes, row, model.suggested)
                    if p >= threshold and (use or all_codes)})
    return out


# --- a human coding of a corpus as units ----------------------------------------------------------------------


def is_review_sheet(path: str | Path) -> bool:
    """Whether ``path`` is a review sheet written by ``casestudy review export`` (its sheet name)."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return False
    import zipfile
    from xml.sax.saxutils import quoteattr

    from ..output.review_sheet import SHEET

    try:  # the workbook part names the sheets; read at most a megabyte of it (nothing else is inflated)
        with zipfile.ZipFile(path) as archive, archive.open("xl/workbook.xml") as part:
            head = part.read(1 << 20).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):  # not a workbook: read_coding says what is wrong with it
        return False
    return f"name={quoteattr(SHEET)}" in head


def read_human(path: str | Path, codebook: Codebook | None = None) -> pd.DataFrame:
    """A human coding from a file: a filled review sheet (its decisions: accepted, rejected and other codes;
    units without a decision are left out), or what ``read_coding`` reads (CSV, XLSX, .qdpx)."""
    from .agreement.human import coding_frame, read_coding

    if is_review_sheet(path):
        from ..output.review_sheet import read_review_sheet
        from .review import reviewed_coding

        reviewed = reviewed_coding(read_review_sheet(path), known_codes=set(codebook.ids) if codebook else None,
                                   source=str(path))
        return coding_frame(reviewed.drop(columns=["suggested", "decision", "comment"]), source=str(path))
    return read_coding(path, codebook=codebook)


def units_from_coding(human, corpus, codebook: Codebook, *, unit: str = "sentence", scope: str | None = None,
                      coder: str | None = None) -> pd.DataFrame:
    """The units of ``corpus`` a human coding covers, with the human's codes: UNIT_COLUMNS, in document and
    unit order. Units are the tool's (sentences, paragraphs or turns; interviewer turns left out), found
    like ``agreement`` finds them (offsets, page/turn, text).

    Args:
        human: a path (CSV, XLSX, .qdpx or a filled review sheet) or a frame ``read_coding`` reads.
        scope: 'documents': every unit of each document the coding has a row for is looked at (a unit
            without a code is a negative example: a whole coding from NVivo); 'reviewed': only the units
            its rows locate (a review sheet, where the rest was not looked at). None: 'reviewed' for a
            review sheet, else 'documents'.
        coder: the coder to learn from when the coding has several.
    Returns:
        The units; ``attrs["warnings"]``: rows that could not be placed and codes not in the codebook.
    """
    from .agreement import SCOPES
    from .agreement.align import Documents, align_units, has_locator
    from .agreement.human import as_coding
    from .coding import UNITS

    check_choice("unit", unit, UNITS)
    if scope is None:
        scope = "reviewed" if isinstance(human, (str, Path)) and is_review_sheet(human) else "documents"
    check_choice("scope", scope, SCOPES)
    coding = read_human(human, codebook) if isinstance(human, (str, Path)) else as_coding(human)
    warnings = list(coding.attrs.get("warnings", []))
    coders = list(dict.fromkeys(coding["coder"]))
    if coder is None and len(coders) > 1:
        raise UsageError(f"the human coding has {len(coders)} coders ({', '.join(coders)}): name the one to learn "
                         "from (coder=…, --coder)")
    if coder is not None:
        check_choice("coder", coder, coders)
        coding = coding[coding["coder"] == coder]
    labels = {c.label.casefold(): c.id for c in codebook.flat() if c.label}
    known = set(codebook.ids)
    coding = coding.assign(code=[c if (c in known or not c) else labels.get(c.casefold(), c) for c in coding["code"]])
    unknown = sorted(set(coding["code"]) - known - {""})
    if unknown:
        warnings.append(f"{len(unknown)} code(s) not in the codebook {codebook.name!r} left out: "
                        f"{', '.join(unknown[:10])}")
    docs = Documents(corpus)
    resolved = {name: docs.resolve(name)[0] for name in coding["document"].unique()}
    selected = sorted({doc_id for doc_id in resolved.values() if doc_id})
    if scope == "documents":
        whole = set(selected)
    else:
        whole = {resolved[row["document"]] for row in coding.to_dict("records")
                 if not row["code"] and resolved.get(row["document"]) and not has_locator(row)}
    _, unaligned, hits = align_units(coding, docs, unit, False)
    if len(unaligned):
        first = unaligned.iloc[0]
        warnings.append(f"{len(unaligned)} row(s) of the human coding could not be placed on a unit (the first: "
                        f"{first['document']}: {first['reason']})")
    looked_at: set[tuple[str, int]] = set()
    codes: dict[tuple[str, int], set[str]] = {}
    for _, doc_id, u, code, _ in hits:
        looked_at.add((doc_id, u))
        if code in known:
            codes.setdefault((doc_id, u), set()).add(code)
    order = {c: i for i, c in enumerate(codebook.ids)}
    rows = []
    for doc_id in selected:
        found = docs.get(doc_id, unit)
        for u, text in enumerate(found.texts):
            if not found.interviewer[u] and (doc_id in whole or (doc_id, u) in looked_at):
                given = sorted(codes.get((doc_id, u), ()), key=order.__getitem__)
                rows.append((doc_id, found.doc.kind, text, ";".join(given)))
    units = pd.DataFrame(rows, columns=UNIT_COLUMNS)
    units.attrs["warnings"] = warnings
    return units


# --- suggestions on a corpus ----------------------------------------------------------------------------------

#: coded_segments with suggestions: the coding's columns, then where a row comes from ('codebook' or 'model')
#: and, for a model's row, its calibrated probability.
SOURCE_COLUMNS = ["source", "probability"]


@dataclass
class _DocUnits:
    """The coding units of one document as the coding makes them (see ``code_document``)."""

    of_token: np.ndarray  # each token's unit (-1: in an interviewer's turn, not coded)
    first: np.ndarray  # each unit's first segment
    start: np.ndarray  # the unit's start and end in that segment
    end: np.ndarray
    interviewer: np.ndarray  # bool: the unit is an interviewer's
    of_segment: np.ndarray | None  # paragraph and turn units: each segment's unit
    texts: list[str] | None  # paragraph and turn units: their texts (a sentence's is cut when needed)

    def __len__(self) -> int:
        return len(self.first)

    def text(self, doc, u: int) -> str:
        if self.texts is not None:
            return self.texts[u]
        return doc.segments[int(self.first[u])].text[int(self.start[u]):int(self.end[u])]

    def of_rows(self, segment: np.ndarray, start: np.ndarray) -> np.ndarray:
        """The unit of each coded row (its segment and the start of its match)."""
        if self.of_segment is not None:
            return self.of_segment[segment]
        keys = (self.first << 32) + self.start
        return np.searchsorted(keys, (segment.astype(np.int64) << 32) + start, side="right") - 1


def _units_of(doc, tokens, unit: str) -> _DocUnits:
    """The units of one document: sentences are the token table's runs of (segment, sentence), as
    ``sentence_bounds`` makes them; a paragraph is a segment; a turn its segments."""
    from .matching import run_starts

    segments = doc.segments
    spoken_by_interviewer = np.fromiter((bool(s.interviewer) for s in segments), bool, len(segments))
    if unit == "sentence":
        n = len(tokens)
        if not n:
            empty = np.zeros(0, np.int64)
            return _DocUnits(empty, empty, empty, empty, np.zeros(0, bool), None, None)
        firsts = run_starts(tokens.segment, tokens.sent)
        lasts = np.append(firsts[1:] - 1, n - 1)
        of_token = np.zeros(n, np.int64)
        of_token[firsts[1:]] = 1
        of_token = np.cumsum(of_token)
        first = tokens.segment[firsts].astype(np.int64)
        start, end = tokens.start[firsts].astype(np.int64), tokens.end[lasts].astype(np.int64)
        of_segment, texts = None, None
    else:
        unit_of_segment, first_list, texts, turns = [], [], [], {}
        for s in segments:
            if unit == "turn" and s.turn is not None and s.turn in turns:
                u = turns[s.turn]
                texts[u] += "\n" + s.text
            else:
                u = len(first_list)
                first_list.append(s.index)
                texts.append(s.text)
                if unit == "turn" and s.turn is not None:
                    turns[s.turn] = u
            unit_of_segment.append(u)
        of_segment = np.asarray(unit_of_segment, np.int64)
        first = np.asarray(first_list, np.int64)
        start = np.zeros(len(first), np.int64)
        end = np.fromiter((len(segments[i].text) for i in first_list), np.int64, len(first_list))
        of_token = of_segment[tokens.segment] if len(tokens) else np.zeros(0, np.int64)
    interviewer = spoken_by_interviewer[first]
    if interviewer.any():
        of_token = np.where(interviewer[of_token], -1, of_token)
    return _DocUnits(of_token, first, start, end, interviewer, of_segment, texts)


class _Vocabulary:
    """A model's vocabulary for looking up a document's lemmas: unigrams by their text, bigrams by a pair of
    numbers (their words' places among the words of all bigrams), searched in a sorted array."""

    def __init__(self, vocabulary: list[str]):
        self.unigram: dict[str, int] = {}
        parts: dict[str, int] = {}
        pairs = []
        for j, term in enumerate(vocabulary):
            a, space, b = term.partition(" ")
            if not space:
                self.unigram[term] = j
                continue
            pairs.append((parts.setdefault(a, len(parts)), parts.setdefault(b, len(parts)), j))
        self.part = parts
        self.width = max(len(parts), 1)
        found = np.array([(a * self.width + b, j) for a, b, j in pairs], np.int64).reshape(-1, 2)
        found = found[np.argsort(found[:, 0], kind="stable")]
        self.bigram_keys, self.bigram_columns = found[:, 0], found[:, 1]


def _token_features(tokens, of_token: np.ndarray, n_units: int, vocabulary: _Vocabulary, idf: np.ndarray):
    """The TF-IDF rows of a document's units from its token table: the terms ``_lemma_docs`` makes of each
    unit's text (lemma unigrams and bigrams of the words with a letter), without tokenizing again."""
    from scipy import sparse

    from ..text.nlp import ALPHA

    words = np.flatnonzero((tokens.flags & ALPHA).astype(bool) & (of_token >= 0))
    strings = tokens.strings
    lemma, unit = tokens.lemma[words].astype(np.int64), of_token[words]
    used, inverse = np.unique(lemma, return_inverse=True)
    names = [strings[i] for i in used.tolist()]
    column = np.fromiter((vocabulary.unigram.get(t, -1) for t in names), np.int64, len(names))[inverse]
    part = np.fromiter((vocabulary.part.get(t, -1) for t in names), np.int64, len(names))[inverse]
    rows, cols = [unit[column >= 0]], [column[column >= 0]]
    pair = np.flatnonzero((unit[:-1] == unit[1:]) & (part[:-1] >= 0) & (part[1:] >= 0))  # words in a row
    if len(pair) and len(vocabulary.bigram_keys):
        key = part[pair] * vocabulary.width + part[pair + 1]
        at = np.minimum(np.searchsorted(vocabulary.bigram_keys, key), len(vocabulary.bigram_keys) - 1)
        known = vocabulary.bigram_keys[at] == key
        rows.append(unit[pair][known])
        cols.append(vocabulary.bigram_columns[at][known])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_units, len(idf)))
    counts.sum_duplicates()
    counts.data = (1 + np.log(counts.data)) * idf[counts.indices]
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1 / norms) @ counts


def _find_codebook_of(model_folder, recorded: str) -> Codebook:
    from ..codebook import find_codebook

    for candidate in dict.fromkeys([recorded, Path(recorded).stem]):
        try:
            return find_codebook(candidate)
        except CasestudyError:
            continue
    raise UsageError(f"{model_folder}: the model's codebook {recorded!r} is not here; pass the codebook it was "
                     "trained with (codebook=…, --codebook)")


def suggest(corpus, model, codebook: Codebook | None = None, *, coded: pd.DataFrame | None = None,
            all_codes: bool = False, threshold: float = 0.5) -> pd.DataFrame:
    """The codes a trained model suggests in ``corpus``: one row per (unit, code) with probability ≥
    ``threshold``, for the codes whose classifier beat the codebook in the evaluation (every trained code
    with ``all_codes``).

    Args:
        model: a CodeModel or the folder of a saved one.
        codebook: the codebook it was trained with (default: the one its model.json names); a model of
            another version of it is an error.
        coded: the codebook's coding of ``corpus`` in the model's unit (``code_corpus``), when there is one
            already: its pattern hits are features.
    A unit where the codebook found the code (or a code under it) gets no suggestion of it: a suggestion
    is what the model adds to the codebook.

    Returns:
        CODED_COLUMNS + SOURCE_COLUMNS: ``source`` 'model', ``probability`` the calibrated probability,
        ``matched`` empty and ``hits`` 0 (no pattern found it), ``start``/``end`` the unit in its first
        segment; in document and unit order, codes in the codebook's order.
    """
    from .coding import CODED_COLUMNS, code_corpus

    if not isinstance(model, CodeModel):
        folder = model
        codebook = codebook or _find_codebook_of(folder, model_codebook(folder))
        model = load_model(folder, codebook)
    elif codebook is None:
        codebook = _find_codebook_of("model", model.codebook)
    if codebook.sha256 != model.codebook_sha256:
        raise CasestudyError(f"the model was trained with another version of the codebook "
                             f"{codebook.path or codebook.name}; train it again with this one")
    if coded is None:
        coded = code_corpus(corpus, codebook, unit=model.unit)
    elif len(coded) and (coded["unit"] != model.unit).any():
        raise UsageError(f"the model suggests codes for each {model.unit}, the coding is by "
                         f"{coded['unit'].iloc[0]}: code with unit={model.unit!r} (--unit {model.unit})")
    from scipy import sparse

    place = {c: j for j, c in enumerate(model.pattern_codes)}
    # a coded row gives its unit the code's column and its ancestors' (as the training's pattern hits do)
    columns_of = {c: [place[a] for a in {c, *codebook.ancestors(c)} if a in place] for c in codebook.ids}
    rows_of = coded.groupby("document", sort=False).indices if len(coded) else {}
    coded_segment, coded_start = coded["segment"].to_numpy(np.int64), coded["start"].to_numpy(np.int64)
    coded_code = coded["code"].to_numpy(object)
    vocabulary = _Vocabulary(model.vocabulary)
    use = np.array([bool(u or all_codes) for u in model.suggested], bool)
    coef, intercept, calibration = model.coef[use], model.intercept[use], model.calibration[use]
    codes = [c for c, u in zip(model.codes, use) if u]
    labels = {c.id: c.label or c.id for c in codebook.flat()}
    order = np.argsort([codebook.ids.index(c) for c in codes], kind="stable")
    found_column = np.array([place.get(c, -1) for c in codes], np.int64)
    rows = []
    if not codes:
        return pd.DataFrame([], columns=CODED_COLUMNS + SOURCE_COLUMNS).astype({"page": "Int64", "turn": "Int64"})
    for doc, tokens in sorted(corpus.tokenized(), key=lambda item: item[0].id):
        units = _units_of(doc, tokens, model.unit)
        n_units = len(units)
        if not n_units:
            continue
        tfidf = _token_features(tokens, units.of_token, n_units, vocabulary, model.idf)
        hits = np.zeros((n_units, len(model.pattern_codes)))
        at = rows_of.get(doc.id)
        if at is not None:
            unit_of_row = units.of_rows(coded_segment[at], coded_start[at])
            for code in set(coded_code[at]):
                mine = unit_of_row[coded_code[at] == code]
                hits[np.ix_(mine, columns_of.get(code, []))] = 1.0
        kind = np.tile([doc.kind == "plan", doc.kind == "interview"], (n_units, 1)).astype(float)
        x = sparse.hstack([tfidf, sparse.csr_matrix(hits), sparse.csr_matrix(kind)]).tocsr()
        scores = np.asarray(x @ coef.T) + intercept
        probability = 1 / (1 + np.exp(calibration[:, 0] * scores + calibration[:, 1]))
        probability[units.interviewer] = np.nan  # an interviewer's turn is not coded
        # the codebook found it already (or a code under it): nothing to suggest
        known = found_column >= 0
        probability[:, known] = np.where(hits[:, found_column[known]] > 0, np.nan, probability[:, known])
        role = doc.attributes.get("role")
        for u, k in zip(*np.nonzero(probability[:, order] >= threshold)):
            j = order[k]
            s = doc.segments[int(units.first[u])]
            rows.append((doc.id, doc.case, doc.kind, s.index, s.page, s.turn, s.speaker, s.role or role, model.unit,
                         codes[j], labels.get(codes[j], codes[j]), "", int(units.start[u]), int(units.end[u]), 0,
                         False, units.text(doc, u), "model", round(float(probability[u, j]), 4)))
    frame = pd.DataFrame(rows, columns=CODED_COLUMNS + SOURCE_COLUMNS)
    return frame.astype({"segment": "int64", "page": "Int64", "turn": "Int64", "start": "int64", "end": "int64",
                         "hits": "int64", "negated": bool, "probability": float})


def with_suggestions(coded: pd.DataFrame, suggestions: pd.DataFrame) -> pd.DataFrame:
    """The codebook's coding and a model's suggestions in one frame, each row saying where it comes from
    (``source`` 'codebook' with ``probability`` empty, or 'model'): per document, in segment order, a
    unit's codebook rows before its suggestions."""
    coded = coded.assign(source="codebook", probability=np.nan)
    if suggestions.empty:
        return coded.reset_index(drop=True)
    both = pd.concat([coded, suggestions[coded.columns]], ignore_index=True)
    both = both.astype({"page": "Int64", "turn": "Int64", "probability": float})
    return both.sort_values(["document", "segment"], kind="stable").reset_index(drop=True)


def evaluation_table(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The evaluation one row per code (and 'micro' last): support, then precision, recall, F1 and κ of the
    codebook alone (cb), the classifier (clf) and both combined, and whether the code is suggested."""
    if evaluation.empty:
        return pd.DataFrame()
    codes = list(dict.fromkeys(evaluation["code"]))
    wide = evaluation.pivot(index="code", columns="method", values=["precision", "recall", "f1", "kappa"])
    wide = wide.swaplevel(axis=1)[[(m, s) for m in METHODS for s in ("precision", "recall", "f1", "kappa")]]
    short = {"codebook": "cb", "classifier": "clf", "combined": "both"}
    wide.columns = [f"{short[m]} {dict(precision='P', recall='R', f1='F1', kappa='κ')[s]}" for m, s in wide.columns]
    first = evaluation.drop_duplicates("code").set_index("code")
    wide.insert(0, "support", first["support"])
    wide["suggested"] = first["suggested"].map(lambda v: "" if v is None or v != v else ("yes" if v else "no"))
    return wide.loc[codes]
