"""Agreement between an automatic and a reference (human) coding: precision, recall, F1, kappa, alpha.

A human coding (CSV, XLSX or a REFI-QDA .qdpx) is aligned to the tool's units — sentences,
paragraphs or speaker turns — by offsets, by page/turn or by its text, and every row that
cannot be aligned is reported with its reason. Agreement is computed per code over units.
A unit that no coder coded counts only when asked (``count_uncoded``): counting the whole
uncoded text as agreement inflates κ, a known complaint about QDA tools' comparisons.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from .coding import UNITS, Unit, expand_ancestors, sentence_bounds
from .errors import CasestudyError, UsageError, check_choice

PRF_COLUMNS = ["code", "support", "predicted", "true_positives", "precision", "recall", "f1"]
#: Columns of a human coding after ``read_coding``/``coding_frame``; ``line`` is the file line (or row number).
HUMAN_COLUMNS = ["line", "coder", "document", "code", "text", "page", "turn", "segment", "start", "end",
                 "doc_start", "doc_end"]
UNALIGNED_COLUMNS = HUMAN_COLUMNS + ["reason"]
ALIGNED_COLUMNS = ["line", "coder", "document", "segment", "sentence", "page", "turn", "code", "method", "unit_text"]
AGREEMENT_COLUMNS = ["code", "units", "human", "auto", "both", "percent_agreement", "kappa", "alpha", "precision",
                     "recall", "f1", "counted", "note"]
DISAGREEMENT_COLUMNS = ["document", "case", "kind", "segment", "sentence", "page", "turn", "speaker", "code", "human",
                        "auto", "matched", "human_line", "text"]
UNIT_COLUMNS = ["document", "case", "kind", "segment", "sentence", "page", "turn", "speaker", "human", "auto", "text"]
#: The ``code`` of the row pooled over every (unit, code) decision.
OVERALL = "(all codes)"
AUTO = "auto"
_INT_COLUMNS = ("page", "turn", "segment", "start", "end", "doc_start", "doc_end")
_LOCATORS = ("text", "page", "turn", "segment", "start", "doc_start")
_SYNONYMS = {"file": "document", "dokument": "document", "fil": "document", "source": "document", "kode": "code",
             "codes": "code", "quote": "text", "tekst": "text", "sitat": "text", "unit_text": "text",
             "side": "page", "user": "coder"}
_UNIT_ORDER = {"sentence": 0, "paragraph": 1, "turn": 2}
_FOLD = {"\u00ad": "", "\ufffe": "", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
                       "‘": "'", "’": "'", "–": "-", "—": "-", "‐": "-"}


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


# --- statistics ----------------------------------------------------------------------------------------------


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


# --- reading a human coding ------------------------------------------------------------------------------------


def read_coding(path, *, offsets: str | None = None, codebook=None) -> pd.DataFrame:
    """Read a human coding: a CSV or XLSX with one row per coded passage, or a REFI-QDA .qdpx.

    A table needs ``document`` and ``code`` and one way to find the passage: ``text`` (the
    unit's text or a quote from it), ``page`` and/or ``turn``, ``segment``, ``start``/``end``
    (offsets in the segment's text, like coded_segments.csv, with ``segment``) or
    ``doc_start``/``doc_end`` (offsets in the document's whole text, segments joined by a blank
    line, as in a .qdpx). ``start``/``end`` without ``segment`` are document offsets; pass
    ``offsets='document'`` to force that. Optional: ``coder``. A ``code`` cell may hold several
    codes separated by ';'; a row with an empty code marks a document as coded.
    Norwegian headers (dokument, kode, tekst, sitat, side) are understood.

    Args:
        codebook: for a .qdpx, the codebook the project was made from, so its codes keep our ids.
    Returns:
        A frame with HUMAN_COLUMNS; ``attrs["warnings"]`` lists what was odd about the file.
    """
    path = Path(path)
    if not path.is_file():
        raise CasestudyError(f"{path}: human coding not found")
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        from .exchange import import_qdpx

        frame, _ = import_qdpx(path, codebook=codebook)
        out = _normalise(frame, "document", str(path), None, "row")
        out.attrs["warnings"] = list(frame.attrs.get("warnings", []))
        return out
    if suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        filled = frame.apply(lambda row: any(str(v).strip() for v in row), axis=1).tolist() if len(frame) else []
        lines = [line for line, keep in zip(range(2, len(frame) + 2), filled) if keep]
        return _normalise(frame[filled] if len(frame) else frame, offsets, str(path), lines, "line")
    frame, lines, warnings = _read_csv(path)
    out = _normalise(frame, offsets, str(path), lines, "line")
    out.attrs["warnings"] = warnings
    return out


def coding_frame(frame: pd.DataFrame, *, offsets: str | None = None, source: str = "human coding") -> pd.DataFrame:
    """Check and normalise a human coding built in Python (or by ``import_qdpx``) like ``read_coding`` does."""
    if frame.attrs.get("casestudy_coding") and list(frame.columns) == HUMAN_COLUMNS and offsets is None:
        return frame
    lines = frame["line"].tolist() if "line" in frame.columns else None
    return _normalise(frame.drop(columns=["line"], errors="ignore"), offsets, source, lines, "row")


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[int], list[str]]:
    raw = path.read_bytes()
    warnings = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
        warnings.append(f"{path}: not UTF-8, read as cp1252 (save it as UTF-8 to be sure)")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise UsageError(f"{path}, line 1: no header; a human coding needs the columns document, code and "
                         "text, page/turn or start/end")
    rows, lines = [], []
    line = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
                raise UsageError(f"{path}, line {line}: {len(row)} fields but the header has {len(header)}; "
                                 f"put text that holds {delimiter!r} in double quotes")
            rows.append((row + [""] * len(header))[: len(header)])
            lines.append(line)
        line = reader.line_num + 1
    return pd.DataFrame(rows, columns=header), lines, warnings


def _normalise(frame: pd.DataFrame, offsets, source: str, lines, word: str) -> pd.DataFrame:
    check_choice("offsets", offsets, (None, "segment", "document"))
    header = f"{source}, line 1" if word == "line" else source
    columns: dict[str, str] = {}
    for column in frame.columns:
        key = str(column).strip().lower().replace(" ", "_").replace("-", "_")
        key = _SYNONYMS.get(key, key)
        if key in columns:
            raise UsageError(f"{header}: columns {columns[key]!r} and {column!r} both mean {key!r}; keep one")
        columns[key] = column
    found = ", ".join(str(c) for c in frame.columns) or "none"
    for required in ("document", "code"):
        if required not in columns:
            raise UsageError(f"{header}: missing column '{required}' (found: {found}); a human coding needs "
                             "document, code and text, page/turn or start/end")
    if not any(c in columns for c in _LOCATORS):
        raise UsageError(f"{header}: no column that locates the passage (found: {found}); add text (the unit or "
                         "a quote), page or turn, or start/end offsets")
    for a, b in (("start", "end"), ("doc_start", "doc_end")):
        if (a in columns) != (b in columns):
            have, missing = (a, b) if a in columns else (b, a)
            raise UsageError(f"{header}: column '{have}' needs a column '{missing}'")
    mode = offsets or ("segment" if "segment" in columns else "document")
    if mode == "segment" and "start" in columns and "segment" not in columns:
        raise UsageError(f"{header}: missing column 'segment': segment offsets (start/end) need the segment "
                         "index, as in coded_segments.csv; or pass offsets='document'")
    lines = lines if lines is not None else list(range(1, len(frame) + 1))
    cells = {key: frame[column].tolist() for key, column in columns.items()}
    rows = []
    for i, line in enumerate(lines):
        where = f"{source}, {word} {line}"
        value = {k: _cell(v[i]) for k, v in cells.items()}
        if not value["document"]:
            raise UsageError(f"{where}, column 'document': empty; name the file (e.g. plans/fjordvik.pdf)")
        ints = {k: _whole(value.get(k, ""), where, k) for k in _INT_COLUMNS}
        if mode == "document" and ints["start"] is not None and ints["doc_start"] is None:
            ints["doc_start"], ints["doc_end"], ints["start"], ints["end"] = ints["start"], ints["end"], None, None
        for a, b in (("start", "end"), ("doc_start", "doc_end")):
            if (ints[a] is None) != (ints[b] is None):
                empty, given = (a, b) if ints[a] is None else (b, a)
                raise UsageError(f"{where}, column '{empty}': empty, but '{given}' is given")
            if ints[a] is not None and ints[a] > ints[b]:
                raise UsageError(f"{where}, column '{a}': {ints[a]} is after {b} {ints[b]}")
        codes = [c.strip() for c in value["code"].split(";") if c.strip()] or [""]
        for code in codes:
            rows.append((line, value.get("coder") or "human", value["document"], code, value.get("text", ""),
                         *(ints[k] for k in _INT_COLUMNS)))
    out = pd.DataFrame(rows, columns=HUMAN_COLUMNS)
    for column in _INT_COLUMNS:
        out[column] = out[column].astype("Int64")
    out.attrs["casestudy_coding"] = True
    out.attrs["source"] = source
    return out


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _whole(value: str, where: str, column: str) -> int | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or number < 0:
        raise UsageError(f"{where}, column '{column}': {value!r} is not a whole number of 0 or more")
    return int(number)


def _as_coding(human) -> pd.DataFrame:
    if isinstance(human, (str, Path)):
        return read_coding(human)
    if not isinstance(human, pd.DataFrame):
        raise UsageError(f"human must be a path or a DataFrame, not {type(human).__name__}")
    return coding_frame(human)


# --- units and alignment -----------------------------------------------------------------------------------------


def _fold(text: str) -> tuple[str, list[int]]:
    """Text for matching (case-folded, quotes and dashes unified, soft hyphens dropped, whitespace runs as
    one space) and, for each of its characters, the offset of the source character it came from."""
    out: list[str] = []
    where: list[int] = []
    space = True
    for i, char in enumerate(text):
        char = _FOLD.get(char, char)
        if not char:
            continue
        if char.isspace():
            if not space:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        for c in char.casefold():
            out.append(c)
            where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _fold_quote(text: str) -> str:
    folded = _fold(unicodedata.normalize("NFC", text))[0]
    while True:
        stripped = folded.strip(" \"'…").removeprefix("...").removesuffix("...")
        if stripped == folded:
            return folded
        folded = stripped


class _DocUnits:
    """The units of one document with their locations, and the ways to find the units a passage covers."""

    def __init__(self, doc, tokens, unit: str):
        self.doc = doc
        self.keys: list[tuple[int, int | None]] = []  # (first segment, sentence in it or None)
        self.texts: list[str] = []
        self.by_segment: dict[int, list[tuple[int, int, int]]] = {}  # segment → [(start, end, unit)]
        segments = doc.segments
        if unit == "sentence":
            bounds = sentence_bounds(tokens) if tokens is not None and len(tokens) else {}
            for (seg, sent), (a, b) in sorted(bounds.items()):
                self._add((seg, sent), seg, a, b, segments[seg].text[a:b])
        else:
            turns: dict[int, int] = {}
            for s in segments:
                if unit == "turn" and s.turn is not None and s.turn in turns:
                    u = turns[s.turn]
                    self.by_segment.setdefault(s.index, []).append((0, len(s.text), u))
                    self.texts[u] += "\n" + s.text
                    continue
                u = self._add((s.index, None), s.index, 0, len(s.text), s.text)
                if unit == "turn" and s.turn is not None:
                    turns[s.turn] = u
        first = [segments[k[0]] for k in self.keys]
        self.page = [s.page for s in first]
        self.turn = [s.turn for s in first]
        self.interviewer = [s.interviewer for s in first]
        self.offsets, position = [], 0
        for s in segments:
            self.offsets.append(position)
            position += len(s.text) + 2
        self._folded = None

    def _add(self, key, seg, a, b, text) -> int:
        self.keys.append(key)
        self.texts.append(text)
        self.by_segment.setdefault(seg, []).append((a, b, len(self.keys) - 1))
        return len(self.keys) - 1

    def locate(self, seg: int, a: int, b: int) -> tuple[list[int], str]:
        """Units that share at least one character with [a, b) of segment ``seg``; else a reason."""
        if not 0 <= seg < len(self.doc.segments):
            return [], f"no segment {seg} (the document has {len(self.doc.segments)})"
        length = len(self.doc.segments[seg].text)
        if b > length:
            return [], f"offsets {a}–{b} run past the end of segment {seg} ({length} characters)"
        if b <= a:
            return [], f"empty selection ({a}–{b})"
        found = sorted({u for start, end, u in self.by_segment.get(seg, ()) if start < b and a < end})
        return found, "" if found else f"offsets {a}–{b} of segment {seg} cover no words"

    def locate_document(self, a: int, b: int) -> tuple[list[int], str]:
        """Units that share a character with [a, b) of the document's text (segments joined by a blank line)."""
        length = self.offsets[-1] + len(self.doc.segments[-1].text) if self.doc.segments else 0
        if b > length:
            return [], f"document offsets {a}–{b} run past the end of its text ({length} characters)"
        if b <= a:
            return [], f"empty selection ({a}–{b})"
        found: set[int] = set()
        for seg, start in enumerate(self.offsets):
            end = start + len(self.doc.segments[seg].text)
            if start < b and a < end:
                found.update(self.locate(seg, max(a, start) - start, min(b, end) - start)[0])
        return sorted(found), "" if found else f"document offsets {a}–{b} cover no words"

    def within(self, page, turn, segment) -> tuple[set[int] | None, str]:
        """Units on the given page / in the given turn / segment (None when nothing is given); else a reason."""
        allowed = None
        for name, value, per_unit in (("page", page, self.page), ("turn", turn, self.turn)):
            if value is None:
                continue
            have = sorted({v for v in per_unit if v is not None})
            if value not in have:
                span = f"{name}s {have[0]}–{have[-1]}" if have else f"no {name}s"
                return set(), f"no {name} {value} in the document ({span})"
            chosen = {u for u, v in enumerate(per_unit) if v == value}
            allowed = chosen if allowed is None else allowed & chosen
        if segment is not None:
            if not 0 <= segment < len(self.doc.segments):
                return set(), f"no segment {segment} (the document has {len(self.doc.segments)})"
            chosen = {u for _, _, u in self.by_segment.get(segment, ())}
            allowed = chosen if allowed is None else allowed & chosen
        if allowed is not None and not allowed:
            return allowed, f"no unit has {_place(page, turn, segment)}"
        return allowed, ""

    def find_text(self, text: str, allowed: set[int] | None) -> tuple[list[int], str]:
        """Units covered by the one place where ``text`` occurs (case, whitespace and quotes ignored)."""
        quote = _fold_quote(text)
        if not quote:
            return [], "empty text"
        if self._folded is None:
            self._folded = _fold(self.doc.text)
        folded, where = self._folded
        places: list[tuple[int, ...]] = []
        at = folded.find(quote)
        while at >= 0:
            covered = self.locate_document(where[at], where[at + len(quote) - 1] + 1)[0]
            if covered and (allowed is None or allowed & set(covered)) and tuple(covered) not in places:
                places.append(tuple(covered))
            at = folded.find(quote, at + 1)
        if len(places) == 1:
            return list(places[0]), ""
        short = text if len(text) <= 60 else text[:57] + "…"
        if not places:
            return [], f"text not found in the document: {short!r}"
        return [], (f"text occurs in {len(places)} places in the document: {short!r}; add page, turn or offsets, "
                    "or quote more of it")

    def align(self, row) -> tuple[list[int], str, str]:
        """(units, method, reason) for one human row: offsets first, then text, then page/turn/segment."""
        text = row["text"]
        found, reason, method = None, "", ""
        if not pd.isna(row["doc_start"]):
            found, reason = self.locate_document(int(row["doc_start"]), int(row["doc_end"]))
            method, span = "document offsets", (int(row["doc_start"]), int(row["doc_end"]))
        elif not pd.isna(row["start"]) and not pd.isna(row["segment"]):
            found, reason = self.locate(int(row["segment"]), int(row["start"]), int(row["end"]))
            method = "offsets"
            base = self.offsets[int(row["segment"])] if int(row["segment"]) < len(self.offsets) else 0
            span = (base + int(row["start"]), base + int(row["end"]))
        if found is not None:
            if not text:
                return found, method, reason
            if found and _fold_quote(self.doc.text[span[0]:span[1]]) == _fold_quote(text):
                return found, method, ""
            units, text_reason = self.find_text(text, None)
            if units:
                return units, "text (offsets did not match)", ""
            problem = reason or f"the offsets point at {self.doc.text[span[0]:span[1]][:40]!r}, not at the row's text"
            return [], method, f"{problem}; and {text_reason}"
        page, turn, segment = (None if pd.isna(row[k]) else int(row[k]) for k in ("page", "turn", "segment"))
        allowed, reason = self.within(page, turn, segment)
        if reason:
            return [], "", reason
        if text:
            units, reason = self.find_text(text, allowed)
            if reason and allowed is not None:
                reason += f" (looked in {_place(page, turn, segment)})"
            return units, "text", reason
        if allowed is not None:
            method = "page" if page is not None else "turn" if turn is not None else "segment"
            return sorted(allowed), method, ""
        return [], "", "no text, page, turn, segment or offsets to locate the passage"


def _place(page, turn, segment) -> str:
    return ", ".join(f"{name} {value}" for name, value in (("page", page), ("turn", turn), ("segment", segment))
                     if value is not None)


class _Documents:
    """Finds a corpus document by id, by file name or by file name without suffix (as QDA tools name them)."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.by_id = {d.id: d for d in corpus}
        self.by_name: dict[str, list[str]] = {}
        for doc_id in self.by_id:
            path = PurePosixPath(doc_id)
            for key in {path.name.casefold(), path.stem.casefold()}:
                self.by_name.setdefault(key, []).append(doc_id)
        self.units: dict[tuple[str, str], _DocUnits] = {}

    def resolve(self, name: str) -> tuple[str | None, str]:
        name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").removeprefix("./")
        if name in self.by_id:
            return name, ""
        matches = self.by_name.get(PurePosixPath(name).name.casefold(), [])
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            return None, f"document name {name!r} matches {', '.join(sorted(matches))}: use the path"
        return None, f"document {name!r} is not in the corpus"

    def get(self, doc_id: str, unit: str) -> _DocUnits:
        key = (doc_id, unit)
        if key not in self.units:
            self.units[key] = _DocUnits(self.by_id[doc_id], self.corpus.tokens.get(doc_id), unit)
        return self.units[key]


def align(human, corpus, unit: Unit = "sentence", *, include_interviewer: bool = False,
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map each row of a human coding to the tool's units; rows that cannot be mapped are returned with a reason.

    A row is located, in this order, by ``doc_start``/``doc_end`` (document offsets), by
    ``segment`` + ``start``/``end`` (segment offsets), by ``text`` (within the page/turn/segment
    when given) or by ``page``/``turn``/``segment`` alone (every unit there). Offsets cover each
    unit they share a character with. When a row has offsets and text that disagree (offsets from
    another program's text), the text decides. Text is matched with case, whitespace, quote marks
    and a leading/trailing '…' ignored: a quote inside a unit gives that unit, a long quote every
    unit it touches; text that occurs in several places is not guessed at. Interviewer turns are
    not units unless ``include_interviewer`` (as in ``code_corpus``). Rows with an empty code
    only mark their document as coded and are in neither frame.

    Returns:
        ``(aligned, unaligned)``: aligned has one row per (human row, unit): ALIGNED_COLUMNS
        (sentence is empty for paragraph and turn units; segment is the unit's first segment);
        unaligned has the human row's columns plus ``reason``.
    """
    check_choice("unit", unit, UNITS)
    return _align(_as_coding(human), _Documents(corpus), unit, include_interviewer)[:2]


def _align(human: pd.DataFrame, documents: _Documents, unit: str, include_interviewer: bool):
    aligned, unaligned, hits = [], [], []
    for row in human.to_dict("records"):
        if not row["code"]:
            continue
        doc_id, reason = documents.resolve(row["document"])
        units, method = [], ""
        if doc_id is not None:
            doc_units = documents.get(doc_id, unit)
            units, method, reason = doc_units.align(row)
            if units and not include_interviewer:
                kept = [u for u in units if not doc_units.interviewer[u]]
                if not kept:
                    reason = "an interviewer turn: not coded by the tool (pass include_interviewer=True to compare it)"
                units = kept
        if not units:
            unaligned.append({**row, "reason": reason})
            continue
        for u in units:
            seg, sent = doc_units.keys[u]
            aligned.append((row["line"], row["coder"], doc_id, seg, sent, doc_units.page[u], doc_units.turn[u],
                            row["code"], method, doc_units.texts[u]))
            hits.append((row["coder"], doc_id, u, row["code"], row["line"]))
    aligned = pd.DataFrame(aligned, columns=ALIGNED_COLUMNS)
    for column in ("segment", "sentence", "page", "turn"):
        aligned[column] = aligned[column].astype("Int64")
    unaligned = pd.DataFrame(unaligned, columns=UNALIGNED_COLUMNS)
    for column in _INT_COLUMNS:
        unaligned[column] = unaligned[column].astype("Int64")
    return aligned, unaligned, hits


# --- agreement -------------------------------------------------------------------------------------------------


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
              include_interviewer: bool = False) -> AgreementResult:
    """Agreement of the auto coding with a human coding, per code and pooled, over the corpus's units.

    Which units count: the units of the selected documents (interviewer turns excluded unless
    ``include_interviewer``) that at least one coder — auto or human — coded with any of the
    selected codes; units no coder coded are not counted as agreement. With ``count_uncoded``,
    every unit of the selected documents counts. The same units count for every code, so a unit
    coded with code B counts as agreement on the absence of code A. Column ``counted`` says which.

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
        documents: document ids or names to compare (default: every document the reference
            coder has a row for; a selected document counts as coded by the reference).
        count_uncoded: also count units that no coder coded.
        rollup_codebook: a Codebook: each code also counts for its ancestors on both sides, and
            human codes given by label instead of id are mapped to the id.
        reference: the human coder (column ``coder``) auto is compared with; needed when the
            coding has several coders.
        coders: the human coders to use (default: all).
        include_interviewer: compare interviewer turns too.
    """
    check_choice("unit", unit, UNITS)
    human = _as_coding(human)
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

    docs = _Documents(corpus)
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

    aligned, unaligned, hits = _align(human, docs, unit, include_interviewer)
    expand = (lambda cs: expand_ancestors(cs, book)) if book is not None else (lambda cs: set(cs))
    coded: dict[str, dict[tuple[str, int], set[str]]] = {c: {} for c in [AUTO, *human_coders]}
    lines: dict[tuple[str, int, str], list] = {}
    for coder, doc_id, u, code, line in hits:
        if doc_id in selected:
            for c in expand({code}):
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
            matched.setdefault((row.document, u, c), _cell(getattr(row, "matched", "")))

    used = set().union(*(s for per in coded.values() for s in per.values()))
    code_list = _code_list(codes, used, book)
    wanted = set(code_list)
    universe = [(d, u) for d in selected for u, interviewer in enumerate(docs.get(d, unit).interviewer)
                if include_interviewer or not interviewer]
    if count_uncoded:
        counted_units = universe
    else:
        counted_units = [k for k in universe if any(per.get(k, set()) & wanted for per in coded.values())]
    either = "either coder" if len(human_coders) == 1 else "any coder"
    counted = "all units of the documents" if count_uncoded else f"units coded by {either}"

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
    precision, recall, f1 = (np.nan if v is None else v for v in _prf(both, n_auto, n_human))
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
