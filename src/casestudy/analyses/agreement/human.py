"""Reading a human coding (CSV, XLSX or a REFI-QDA .qdpx) into one checked frame of HUMAN_COLUMNS."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ...errors import CasestudyError, UsageError, check_choice
from ...output.files import cell_text
from ...sources.folder import decode_table


#: Columns of a human coding after ``read_coding``/``coding_frame``; ``line`` is the file line (or row number).
HUMAN_COLUMNS = ["line", "coder", "document", "code", "text", "page", "turn", "segment", "start", "end",
                 "doc_start", "doc_end"]


INT_COLUMNS = ("page", "turn", "segment", "start", "end", "doc_start", "doc_end")


_LOCATORS = ("text", "page", "turn", "segment", "start", "doc_start")


_SYNONYMS = {"file": "document", "dokument": "document", "fil": "document", "source": "document", "kode": "code",
             "codes": "code", "quote": "text", "tekst": "text", "sitat": "text", "unit_text": "text",
             "side": "page", "user": "coder"}


def read_coding(path, *, offsets: str | None = None, codebook=None) -> pd.DataFrame:
    """Read a human coding: a CSV or XLSX with one row per coded passage, or a REFI-QDA .qdpx.

    A table needs ``document`` and ``code`` and one way to find the passage: ``text`` (the
    unit's text or a quote from it), ``page`` and/or ``turn``, ``segment``, ``start``/``end``
    (offsets in the segment's text, like coded_segments.csv, with ``segment``) or
    ``doc_start``/``doc_end`` (offsets in the document's whole text, segments joined by a blank
    line, as in a .qdpx). ``start``/``end`` without ``segment`` are document offsets; pass
    ``offsets='document'`` to force that. Optional: ``coder``. A ``code`` cell may hold several
    codes separated by ';'. A row with an empty code marks what the coder looked at and left uncoded:
    the unit it locates, or (with no locator) the whole document. An optional column ``reviewed``
    (yes/no, ja/nei, 1/0) leaves out the rows marked not looked at.
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
        from ...output.exchange import import_qdpx
        from ...output.exchange.qdpx import AUTO_USER

        frame, _ = import_qdpx(path, codebook=codebook)
        warnings = list(frame.attrs.get("warnings", []))
        auto = frame["coder"] == AUTO_USER
        if auto.any():  # the tool's own suggestions, exported by casestudy: not a human's coding
            warnings.append(f"{path}: {int(auto.sum())} coding(s) by {AUTO_USER} (the tool's own) left out")
            frame = frame[~auto]
        out = _normalise(frame, "document", str(path), None, "row")
        out.attrs["warnings"] = warnings
        return out
    if suffix in (".xlsx", ".xlsm"):
        from ...limits import check_zip
        from ...output.checks import check_workbook

        check_zip(path)  # a workbook's sheet that inflates to gigabytes is refused before openpyxl reads it
        check_workbook(path, "human coding")  # nor one with a DTD
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        except Exception as exc:  # noqa: BLE001 - any damage openpyxl finds: one line, not its traceback
            raise CasestudyError(f"{path}: cannot be read as an XLSX human coding ({type(exc).__name__}); save it "
                                 "again as .xlsx or as CSV") from None
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
    text, warnings = decode_table(path.read_bytes(), path)
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


#: Values of a ``reviewed`` column that mean the row was not looked at.
NOT_REVIEWED = {"no", "nei", "0", "false", "usann", "n"}


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
        value = {k: cell_text(v[i]).strip() for k, v in cells.items()}
        if not value["document"]:
            raise UsageError(f"{where}, column 'document': empty; name the file (e.g. plans/fjordvik.pdf)")
        ints = {k: _whole(value.get(k, ""), where, k) for k in INT_COLUMNS}
        if mode == "document" and ints["start"] is not None and ints["doc_start"] is None:
            ints["doc_start"], ints["doc_end"], ints["start"], ints["end"] = ints["start"], ints["end"], None, None
        for a, b in (("start", "end"), ("doc_start", "doc_end")):
            if (ints[a] is None) != (ints[b] is None):
                empty, given = (a, b) if ints[a] is None else (b, a)
                raise UsageError(f"{where}, column '{empty}': empty, but '{given}' is given")
            if ints[a] is not None and ints[a] > ints[b]:
                raise UsageError(f"{where}, column '{a}': {ints[a]} is after {b} {ints[b]}")
        if "reviewed" in value and value["reviewed"].casefold() in NOT_REVIEWED:
            continue  # a row the coder marks as not looked at
        codes = [c.strip() for c in value["code"].split(";") if c.strip()] or [""]
        for code in codes:
            rows.append((line, value.get("coder") or "human", value["document"], code, value.get("text", ""),
                         *(ints[k] for k in INT_COLUMNS)))
    out = pd.DataFrame(rows, columns=HUMAN_COLUMNS)
    for column in INT_COLUMNS:
        out[column] = out[column].astype("Int64")
    out.attrs["casestudy_coding"] = True
    out.attrs["source"] = source
    return out



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


def as_coding(human) -> pd.DataFrame:
    if isinstance(human, (str, Path)):
        return read_coding(human)
    if not isinstance(human, pd.DataFrame):
        raise UsageError(f"human must be a path or a DataFrame, not {type(human).__name__}")
    return coding_frame(human)
