"""The review sheet: an XLSX a researcher fills in Excel or LibreOffice — one row per coded unit, its text
with the matched words in bold, the suggested codes, and a ``decision`` drop-down (accept / reject /
other code) — and reading it back.

Every cell is written as a value (a text that starts with '=' stays text, never a formula).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from ..errors import CasestudyError
from .files import XML_ILLEGAL, cell_text, xlsx_header, xlsx_value

SHEET = "Gjennomgang"
HELP_SHEET = "Slik gjør du"
#: Column widths (characters) of the sheet; others get 12.
WIDTHS = {"unit_id": 13, "document": 28, "case": 12, "kind": 9, "page": 6, "turn": 6, "speaker": 12, "role": 14,
          "unit": 9, "segment": 8, "text": 70, "codes": 24, "labels": 28, "matched": 20, "negated": 8,
          "decision": 12, "codes_reviewed": 22, "comment": 30, "model_codes": 24, "probability": 11}
HELP = [
    "Gjennomgang av autokodingen (casestudy review export).",
    "Hver rad er én kodet enhet (setning eller tur) med kodene verktøyet foreslo i kolonnen codes; "
    "ordene som utløste kodene står i fet skrift.",
    "Fyll ut kolonnen decision for radene du har sett på: accept (kodene stemmer), reject (ingen av kodene "
    "stemmer) eller other code (skriv de riktige kodene, skilt med semikolon, i codes_reviewed).",
    "comment: valgfri begrunnelse, for eksempel hvorfor en kode er avvist.",
    "model_codes: kodene i codes som en trent modell foreslo (casestudy run --suggest), hver med sannsynligheten "
    "modellen gir den; probability: den av dem som er nærmest 0,5. Modellens forslag er bare forslag: godta "
    "eller avvis dem som de andre kodene. Med casestudy review export --uncertain N står de N mest usikre først.",
    "Rader uten decision regnes som ikke gjennomgått og teller ikke med i enigheten.",
    "Les inn arket igjen med: casestudy review import review.xlsx --out OUTPUTMAPPE",
]


def _text(value) -> str:
    return XML_ILLEGAL.sub("", cell_text(value))


def _rich(text: str, matched: str):
    """The unit's text with every occurrence of the matched words in bold (a plain string when none is found)."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    words = sorted({w for w in matched.split(" | ") if w}, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    lowered = text.casefold()
    for word in words:
        start = lowered.find(word.casefold())
        while start >= 0:
            end = start + len(word)
            if not any(a < end and start < b for a, b in spans):
                spans.append((start, end))
            start = lowered.find(word.casefold(), end)
    if not spans or len(text) != len(lowered):
        return text
    parts, at = [], 0
    for a, b in sorted(spans):
        if a > at:
            parts.append(text[at:a])
        parts.append(TextBlock(InlineFont(b=True), text[a:b]))
        at = b
    if at < len(text):
        parts.append(text[at:])
    return CellRichText(parts)


def write_review_sheet(frame: pd.DataFrame, path: str | Path, *, decisions=("accept", "reject", "other code")
                       ) -> Path:
    """Write the review rows (REVIEW_COLUMNS) as an XLSX with a help sheet, frozen bold header, filters,
    wrapped text and a drop-down of the ``decisions`` in the decision column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    columns = list(frame.columns)
    sheet.append(columns)
    xlsx_header(sheet[1])
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    text_column = columns.index("text") + 1 if "text" in columns else None
    for number, row in enumerate(frame.itertuples(index=False), 2):
        for j, value in enumerate(row, 1):
            cell = sheet.cell(row=number, column=j)
            if isinstance(value, bool):
                xlsx_value(cell, "ja" if value else "")
            elif j == text_column:
                xlsx_value(cell, _rich(_text(value), _text(getattr(row, "matched", ""))))
            else:
                xlsx_value(cell, _text(value))
            cell.alignment = wrap if j == text_column else top
    for j, name in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(j)].width = WIDTHS.get(name, 12)
    sheet.freeze_panes = "B2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{max(len(frame) + 1, 2)}"
    if "decision" in columns and len(frame):
        letter = get_column_letter(columns.index("decision") + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(decisions) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="decision",
                              error="Velg en av: " + ", ".join(decisions))
        rule.add(f"{letter}2:{letter}{len(frame) + 1}")
        sheet.add_data_validation(rule)
    help_sheet = book.create_sheet(HELP_SHEET)
    for line in HELP:
        help_sheet.append([line])
    help_sheet.column_dimensions["A"].width = 120
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def read_review_sheet(path: str | Path) -> pd.DataFrame:
    """The rows of a review sheet as text (REVIEW_COLUMNS as found in its header row)."""
    from openpyxl import load_workbook

    from ..limits import check_zip
    from .checks import check_workbook

    path = Path(path)
    if path.is_file():
        check_workbook(path, "review sheet")  # a DTD: refused, never parsed
    try:
        check_zip(path)  # before openpyxl inflates anything (its reads stop at each part's stated size)
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise CasestudyError(f"{path}: review sheet not found; write one with: casestudy review export") from None
    except Exception as exc:  # a file that is not an XLSX workbook
        raise CasestudyError(f"{path}: cannot be read as an XLSX review sheet ({type(exc).__name__}); export it "
                             "again with casestudy review export") from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise CasestudyError(f"{path}: the review sheet is empty")
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    for required in ("unit_id", "document", "codes", "decision", "text"):
        if required not in header:
            raise CasestudyError(f"{path}: no column '{required}' in the review sheet; export it again with "
                                 "casestudy review export")
    data = [[cell_text(v) if not isinstance(v, float) or not v.is_integer() else str(int(v)) for v in row]
            for row in rows[1:] if any(v not in (None, "") for v in row)]
    return pd.DataFrame([(r + [""] * len(header))[:len(header)] for r in data], columns=header)
