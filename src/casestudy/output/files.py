"""Atomic writing of result files: write to a temporary name in the same folder, then rename."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path

#: Characters an XML 1.0 document cannot hold (C0 controls but tab and line ends, U+FFFE/U+FFFF) and lone
#: surrogates, which no UTF-8 file can hold: dropped from text that goes into the DOCX and REFI-QDA files.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def cell_text(value) -> str:
    """A table cell as text: '' for a missing value (None, NaN, pd.NA), else ``str(value)``."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


#: The shading of header rows in the XLSX and DOCX files casestudy writes.
HEADER_FILL = "DDEBF7"


def xlsx_header(row) -> None:
    """Style an XLSX sheet's header row: bold on a light shade."""
    from openpyxl.styles import Font, PatternFill

    for cell in row:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)


def xlsx_value(cell, value) -> None:
    """Set an XLSX cell to a value that a spreadsheet shows as it is: a text starting with '=' stays text
    (openpyxl would write it as a formula), and an empty text is a blank cell, as a missing value is (a
    table read back from its CSV, where the two look alike, gives the same sheet)."""
    cell.value = None if isinstance(value, str) and not value else value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """UTF-8 CSV, no index, '\\n' line ends: byte-identical for identical frames. A text cell that a
    spreadsheet would read as a formula gets an apostrophe before it (see FORMULA_START), and a text with a
    carriage return is quoted.

    The bytes are otherwise those of ``frame.to_csv(index=False, lineterminator="\\n")``; columns of
    strings, whole numbers, booleans and floats are formatted here, a value once however
    often it repeats, which takes half the time pandas does on the large coded tables.
    """
    with atomic_path(path) as tmp:
        if _fast_csv_ok(frame):
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                handle.write(",".join(_csv_field(str(c)) for c in frame.columns) + "\n")
                for start in range(0, len(frame), _CSV_ROWS):
                    columns = [_csv_column(frame.iloc[start:start + _CSV_ROWS, i]) for i in range(frame.shape[1])]
                    handle.write("".join(line + "\n" for line in map(",".join, zip(*columns))))
        else:
            _slow_csv(frame, tmp)
    return Path(path)


def _slow_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV of a frame the fast writer does not take (mixed types in a column): pandas' formatting, with text
    defused as in :func:`_csv_field`; quoting every field when a text holds a carriage return."""
    import csv

    frame = frame.copy()
    cr = False
    for name, series in frame.items():
        if series.dtype.kind == "O":
            frame[name] = series.map(lambda v: defuse(v) if isinstance(v, str) else v)
            cr = cr or any(isinstance(v, str) and "\r" in v for v in series.tolist())
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                 quoting=csv.QUOTE_ALL if cr else csv.QUOTE_MINIMAL)


_CSV_ROWS = 100_000  # rows formatted at a time: bounds the memory of the strings


def _fast_csv_ok(frame: pd.DataFrame) -> bool:
    """Whether every column is of a kind :func:`_csv_column` formats as pandas would (a single column
    is left to pandas: the csv module quotes an empty field that is alone on its line)."""
    if frame.shape[1] < 2 or isinstance(frame.columns, pd.MultiIndex) or not frame.columns.is_unique:
        return False
    for _, series in frame.items():
        dtype = series.dtype
        if dtype.kind in "iub" and not isinstance(dtype, pd.CategoricalDtype) or dtype in ("float64", "Float64"):
            continue
        strings = dtype.kind == "O" or isinstance(dtype, pd.StringDtype)
        if not strings or pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
            return False
    return True


#: The first characters that make a spreadsheet read a cell as a formula (OWASP's list): a text cell that
#: begins with one of them is written with an apostrophe before it, so it stays text in Excel/LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: str) -> str:
    """A text cell as it is safe to open in a spreadsheet: '=cmd|…' → "'=cmd|…" (see FORMULA_START)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _csv_field(value: str) -> str:
    """One text field as the csv module writes it with minimal quoting, except that a field holding a
    carriage return is always quoted (Python's csv module leaves it bare, and readers then split the
    row), and a field that a spreadsheet would read as a formula is defused."""
    value = defuse(value)
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_column(series: pd.Series) -> list[str]:
    """The CSV fields of one column: missing values empty, every distinct string quoted once."""
    kind = series.dtype.kind
    if kind in "iub":
        if not series.hasnans:
            return list(map(str, series.to_numpy().tolist()))
        fields = list(map(str, series.to_numpy(dtype=object, na_value=0).tolist()))
        for i in np.flatnonzero(series.isna().to_numpy()).tolist():
            fields[i] = ""
        return fields
    if kind == "f":
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        fields = values.astype(str).astype(object)
        fields[np.isnan(values)] = ""
        return fields.tolist()
    codes, uniques = pd.factorize(series)
    formatted = [_csv_field(v) for v in uniques.tolist()] + [""]  # code -1: missing
    return [formatted[c] for c in codes.tolist()]


def write_json(data, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return Path(path)


def write_image(image, path: str | Path) -> Path:
    """Save a PIL image as PNG without a timestamp, so reruns give the same bytes."""
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG", optimize=False)
    return Path(path)
