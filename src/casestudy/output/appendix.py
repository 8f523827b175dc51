"""Appendix tables for a report: one list of titled tables, written as XLSX, DOCX or Markdown.

The tables are the requirement matrix, the plan profiles, the code × case matrix, the
most frequent words per group and coded-passage excerpts per code. Labels are
Norwegian by default (``lang="en"`` for English); the data are the same frames the
CSV files hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..atomic import atomic_path
from ..errors import check_choice
from .files import HEADER_FILL, XML_ILLEGAL, cell_text, xlsx_header, xlsx_value

LANGS = ("nb", "en")
STATUS = {
    "nb": {"met": "oppfylt", "partial": "delvis", "missing": "mangler", "not_assessed": "ikke vurdert"},
    "en": {"met": "met", "partial": "partial", "missing": "missing", "not_assessed": "not assessed"},
}
TEXT = {
    "nb": {
        "requirements": ("Oppfyllelse av innholdskravene i barnevernloven § 15-1",
                         "Status per plan og krav (oppfylt, delvis, mangler); sidene der belegget står, i parentes."),
        "profiles": ("Planprofiler", "Planperiode, vedtak, definerte begreper, forebyggingsnivåer, modeller, "
                                     "datakilder og tiltaksoversikt per plan."),
        "codes": ("Kodede enheter per kode og kommune", "Antall kodede enheter (setninger) per kode og kommune; "
                                                        "en underkode teller også for overkoden."),
        "words": ("Mest brukte ord per gruppe", "De mest brukte lemmaene per gruppe, antall i parentes; uten "
                                                "stoppord, og uten intervjuerens turer."),
        "excerpts": ("Utdrag av kodede passasjer", "Inntil {n} sitater per kode med kommune og side/tur."),
        "figure": "Ordsky",
        "appendix": "Vedlegg",
        "columns": {"document": "Dokument", "case": "Kommune", "code": "Kode", "label": "Kode", "group": "Gruppe",
                    "rank": "Rang", "lemma": "Ord", "count": "Antall", "quote": "Sitat", "reference": "Kilde",
                    "pages": "Sider", "words": "Ord", "plan_period": "Planperiode", "adopted": "Vedtatt",
                    "adopted_date": "Vedtaksdato", "concepts_defined": "Definerte begreper",
                    "prevention_levels": "Forebyggingsnivåer", "models": "Modeller/teorier",
                    "data_sources": "Datakilder", "measures_overview": "Tiltaksoversikt",
                    "measures_sorted_by": "Tiltak sortert etter", "target_groups": "Målgrupper",
                    "revision": "Evaluering/rullering"},
        "page": "s.", "turn": "tur",
    },
    "en": {
        "requirements": ("Content requirements of the Child Welfare Act § 15-1",
                         "Status per plan and requirement (met, partial, missing); the pages of the evidence in "
                         "brackets."),
        "profiles": ("Plan profiles", "Plan period, adoption, concepts defined, prevention levels, models, data "
                                      "sources and overview of measures per plan."),
        "codes": ("Coded units per code and case", "Number of coded units (sentences) per code and case; a "
                                                   "sub-code also counts for its parent."),
        "words": ("Most frequent words per group", "The most frequent lemmas per group, count in brackets; "
                                                    "without stop words and interviewer turns."),
        "excerpts": ("Excerpts of coded passages", "Up to {n} quotes per code with case and page/turn."),
        "figure": "Word cloud",
        "appendix": "Appendix",
        "columns": {"document": "Document", "case": "Case", "code": "Code", "label": "Code", "group": "Group",
                    "rank": "Rank", "lemma": "Word", "count": "Count", "quote": "Quote", "reference": "Source"},
        "page": "p.", "turn": "turn",
    },
}


@dataclass
class Table:
    """One appendix table: ``indent`` gives the depth of each row's first cell (child codes under parents)."""

    name: str
    title: str
    caption: str
    frame: pd.DataFrame
    indent: list[int] | None = None


#: Sheet names of the XLSX appendix, per language (at most 31 characters each).
SHEETS = {"nb": {"requirements": "Krav § 15-1", "profiles": "Planprofiler", "codes": "Koder per kommune",
                 "words": "Mest brukte ord", "excerpts": "Utdrag"},
          "en": {"requirements": "Requirements § 15-1", "profiles": "Plan profiles", "codes": "Codes per case",
                 "words": "Most frequent words", "excerpts": "Excerpts"}}


def _rename(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={k: v for k, v in TEXT[lang]["columns"].items() if k in frame.columns})


def _status_cells(matrix: pd.DataFrame, requirements: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """The requirement matrix with statuses in ``lang`` and, where the plan check cites them, the pages of
    the evidence ('oppfylt (s. 3, 5)')."""
    frame = matrix.copy()
    pages = {}
    if requirements is not None and not requirements.empty and "pages" in requirements.columns:
        pages = {(d, r): str(p).replace(";", ", ") for d, r, p in zip(
            requirements["document"], requirements["requirement"], requirements["pages"].fillna("")) if str(p).strip()}
    marker = TEXT[lang]["page"]
    for column in frame.columns[2:]:
        frame[column] = [STATUS[lang].get(v, v) + (f" ({marker} {pages[(d, column)]})" if (d, column) in pages
                                                   else "") for d, v in zip(frame["document"], frame[column])]
    return frame


def _depths(codebook, ids) -> list[int]:
    if codebook is None:
        return [0] * len(ids)
    return [len(codebook.ancestors(i)) if i in codebook else 0 for i in ids]


def _top_words(word_counts: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` most frequent words of each group side by side: a row per place, a column per group
    ('ord (antall)'), the group of all words first."""
    groups = list(dict.fromkeys(word_counts["group"]))
    groups.sort(key=lambda g: g != "alle")
    columns = {}
    for group in groups:
        part = word_counts[word_counts["group"] == group].head(n)
        columns[group] = [f"{w} ({c})" for w, c in zip(part["lemma"], part["count"])]
    length = max((len(v) for v in columns.values()), default=0)
    frame = pd.DataFrame({g: v + [""] * (length - len(v)) for g, v in columns.items()})
    frame.insert(0, "rank", range(1, length + 1))
    return frame


def appendix_tables(*, requirements_matrix=None, checklist=None, profiles=None, code_matrix=None, codebook=None,
                    word_counts=None, coded=None, lang: str = "nb", top_words: int = 20,
                    excerpts_per_code: int = 3, requirements=None) -> list[Table]:
    """The appendix tables from the run's frames; a table whose frame is None or empty is left out.

    The requirement matrix cites the evidence pages (from the long ``requirements`` frame); child
    codes are indented under their parents; the words table puts each group's top words side by
    side; each quote appears once per code branch (a sentence coded with three sibling codes is
    quoted under the first of them only).
    """
    check_choice("lang", lang, LANGS)
    text = TEXT[lang]
    tables = []
    if requirements_matrix is not None and not requirements_matrix.empty:
        frame = _status_cells(requirements_matrix, requirements, lang).drop(columns=["document"])
        labels = {c.id: f"{c.id} {c.label}" for c in checklist.codes} if checklist else {}
        frame = frame.rename(columns=labels)
        title, caption = text["requirements"]
        if not (requirements is not None and "pages" in requirements.columns):
            caption = caption.split(";")[0] + "."  # no pages to cite: the caption promises none
        tables.append(Table("requirements", title, caption, _rename(frame, lang)))
    if profiles is not None and not profiles.empty:
        tables.append(Table("profiles", *text["profiles"], _rename(profiles.drop(columns=["document"]), lang)))
    if code_matrix is not None and not code_matrix.empty:
        by = code_matrix.columns[0]
        frame = code_matrix.set_index(by).T
        frame.columns = [str(c) for c in frame.columns]
        labels = {c.id: c.label or c.id for c in codebook.flat()} if codebook else {}
        ids = list(frame.index)
        frame.insert(0, "label", [labels.get(i, i) for i in ids])
        tables.append(Table("codes", *text["codes"], _rename(frame.reset_index(drop=True), lang),
                            indent=_depths(codebook, ids)))
    if word_counts is not None and not word_counts.empty:
        frame = _top_words(word_counts, top_words)
        tables.append(Table("words", *text["words"], _rename(frame, lang)))
    if coded is not None and not coded.empty:
        rows, depths = [], []
        labels = {c.id: c.label or c.id for c in codebook.flat()} if codebook else {}
        order = [c.id for c in codebook.flat()] if codebook else list(dict.fromkeys(coded["code"]))
        branch = {c: ([c] + codebook.ancestors(c))[-1] if codebook and c in codebook else c for c in order}
        quoted: dict[str, set] = {}  # per top-level code: the units quoted in its branch
        by_code = {code_id: part for code_id, part in coded.groupby("code", sort=False)}
        for code_id in order:
            if code_id not in by_code:
                continue
            seen = quoted.setdefault(branch[code_id], set())
            taken = 0
            for row in by_code[code_id].itertuples():
                key = (row.document, row.text)
                if key in seen:
                    continue
                seen.add(key)
                where = (f"{text['page']} {row.page}" if pd.notna(row.page) else
                         f"{text['turn']} {row.turn}" if pd.notna(row.turn) else "")
                quote = row.text if len(row.text) <= 300 else row.text[:299] + "…"
                rows.append((labels.get(code_id, code_id), f"«{quote}»", row.case, f"{row.document}, {where}"))
                depths.append(_depths(codebook, [code_id])[0])
                taken += 1
                if taken == excerpts_per_code:
                    break
        frame = pd.DataFrame(rows, columns=["label", "quote", "case", "reference"])
        caption = text["excerpts"][1].format(n=excerpts_per_code)
        tables.append(Table("excerpts", text["excerpts"][0], caption, _rename(frame, lang), indent=depths))
    return tables


def appendix_from(frames: dict, *, checklist=None, codebook=None, lang: str = "nb") -> list[Table]:
    """The appendix tables from a run's frames keyed by file stem (requirements, requirements_matrix,
    plan_profiles, code_matrix, word_counts, coded_segments), each left out when absent."""
    return appendix_tables(
        requirements_matrix=frames.get("requirements_matrix"), checklist=checklist,
        profiles=frames.get("plan_profiles"), code_matrix=frames.get("code_matrix"), codebook=codebook,
        word_counts=frames.get("word_counts"), coded=frames.get("coded_segments"), lang=lang,
        requirements=frames.get("requirements"),
    )


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def write_xlsx(tables: list[Table], path, *, lang: str = "nb") -> Path:
    """One sheet per table (names in ``lang``): bold shaded header, frozen, with filters; text wrapped,
    columns fitted to their content, whole numbers as numbers, dates as dates, child codes indented."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(SHEETS.get(lang, SHEETS["nb"]).get(table.name, table.name)[:31])
        frame = table.frame
        sheet.append([str(c) for c in frame.columns])
        xlsx_header(sheet[1])
        for cell in sheet[1]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths = [_width(str(c)) for c in frame.columns]
        numeric = [_numeric(frame[c]) for c in frame.columns]
        for i, values in enumerate(frame.itertuples(index=False)):
            for j, value in enumerate(values):
                cell = sheet.cell(row=i + 2, column=j + 1)
                xlsx_value(cell, _xlsx_value(value))
                if hasattr(cell.value, "year"):
                    cell.number_format = "DD.MM.YYYY"
                indent = table.indent[i] if (table.indent and j == 0) else 0
                cell.alignment = Alignment(wrap_text=not numeric[j], vertical="top", indent=indent * 2,
                                           horizontal="right" if numeric[j] else None)
                widths[j] = max(widths[j], _width(cell_text(value)) + indent * 2)
        for j, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(j)].width = min(60, width + 2)
        sheet.freeze_panes = "B2" if table.name in ("requirements", "profiles", "codes") else "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(frame.columns), 1))}{len(frame) + 1}"
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _xlsx_value(value):
    """A cell value: missing → empty, a Norwegian date (19.10.2023) → a date, numbers as numbers."""
    import datetime as dt

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        value = XML_ILLEGAL.sub("", value)
        found = _DATE.match(value)
        if found:
            day, month, year = map(int, found.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return value
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _width(text: str) -> int:
    """How wide a value is in characters: its longest line."""
    return max((len(line) for line in str(text).split("\n")), default=0)


MAX_PORTRAIT_COLUMNS = 7
#: A4 with 2.5 cm margins: the width a table may take, in cm (portrait, landscape).
TEXT_WIDTH_CM = {False: 16.0, True: 24.7}


def for_page(frame: pd.DataFrame) -> pd.DataFrame:
    """A wide table with few rows reads better turned: its columns become rows (first column as header)."""
    if len(frame.columns) > MAX_PORTRAIT_COLUMNS and len(frame) + 1 < len(frame.columns):
        turned = frame.set_index(frame.columns[0]).T.reset_index()
        turned.columns = [""] + [str(c) for c in turned.columns[1:]]
        return turned
    return frame


def _set_page(section, landscape: bool):
    """A4, 2.5 cm margins, portrait or landscape."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    width, height = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))


#: Measures for column widths: an average character's width in em (a generous one, so words fit), bold
#: text's extra width, points per cm, and a cell's left and right margins together.
CHAR_EM, BOLD, PT_CM, CELL_PADDING_CM = 0.68, 1.12, 2.54 / 72, 0.5


def min_width(frame: pd.DataFrame, *, font_pt: float = 8) -> float:
    """The width in cm a table needs so that no word is broken (see :func:`column_widths`)."""
    return sum(column_widths(frame, 1e9, font_pt=font_pt, minimum=True))


def column_widths(frame: pd.DataFrame, total_cm: float, *, font_pt: float = 8, minimum: bool = False) -> list[float]:
    """Column widths in cm from the content, adding up to ``total_cm``: each column at least as wide as its
    longest word (so no word is broken), the rest shared in proportion to the columns' typical text length.
    ``minimum``: only the widths that keep every word whole."""
    words, typical = [], []
    for column in frame.columns:
        values = [cell_text(v) for v in frame[column].tolist()[:300]]
        header_words = str(column).split() or [""]
        longest = max([len(w) for v in values for w in v.split()] + [len(w) * BOLD for w in header_words] + [1])
        words.append(min(longest, 28) * font_pt * CHAR_EM * PT_CM + CELL_PADDING_CM)
        lengths = sorted(len(v) for v in values) or [0]
        typical.append(max(lengths[int(0.8 * (len(lengths) - 1))], len(str(column))) * font_pt * CHAR_EM * PT_CM
                       + CELL_PADDING_CM)
    needed = sum(words)
    if minimum:
        return words
    if needed >= total_cm:
        return [w * total_cm / needed for w in words]
    wanted = [max(w, t) for w, t in zip(words, typical)]
    if sum(wanted) <= total_cm:  # the table takes the text width, the spare shared as the content asks
        return [w * total_cm / sum(wanted) for w in wanted]
    spare = total_cm - needed
    extra = [max(t - w, 0.0) for w, t in zip(words, wanted)]
    scale = spare / sum(extra) if sum(extra) else 0
    return [w + e * scale for w, e in zip(words, extra)]


def write_docx(tables: list[Table], path, *, images: list[Path] = (), lang: str = "nb") -> Path:
    """A Word appendix on A4: a numbered heading and a captioned table per table, then the figures.

    Header rows are bold, shaded and repeated on every page; column widths come from the content
    (no word broken across lines); numbers are right-aligned; child codes indented. A wide table with
    few rows is turned (its columns become rows); a table still wider than the page allows gets a
    landscape section of its own.
    """
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Cm

    document = docx.Document()
    document.core_properties.author = "casestudy"
    _set_page(document.sections[0], False)
    document.add_heading(TEXT[lang]["appendix"], level=1)
    landscape = False
    for number, table in enumerate(tables, start=1):
        frame = for_page(table.frame)
        # landscape when the table is too wide to keep every word whole on a portrait page
        wide = len(frame.columns) > MAX_PORTRAIT_COLUMNS or min_width(frame) > TEXT_WIDTH_CM[False]
        if wide != landscape:
            _set_page(document.add_section(WD_SECTION.NEW_PAGE), wide)
            landscape = wide
        document.add_heading(f"{number} {table.title}", level=2)
        document.add_paragraph(f"{'Tabell' if lang == 'nb' else 'Table'} {number}: {table.caption}",
                               style="Caption")
        widths = column_widths(frame, TEXT_WIDTH_CM[landscape])
        numeric = [_numeric(frame[c]) for c in frame.columns]
        word_table = document.add_table(rows=1, cols=len(frame.columns))
        word_table.style = "Table Grid"
        word_table.autofit = False
        _header_row(word_table, frame, widths)
        indent = table.indent if frame is table.frame else None
        _append_rows(word_table, frame, half_points=16, numeric=numeric, indent=indent)
    if landscape and images:
        _set_page(document.add_section(WD_SECTION.NEW_PAGE), False)
    for number, image in enumerate(images, start=1):
        document.add_picture(str(image), width=Cm(16))
        label = _figure_label(Path(image).stem, lang)
        document.add_paragraph(f"{'Figur' if lang == 'nb' else 'Figure'} {number}: {label}", style="Caption")
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return Path(path)


#: Captions of the figures the pipeline makes, by file-name stem (word clouds are named by their group).
FIGURE_LABELS = {
    "nb": {"codes_per_case": "Kodede enheter per 1 000 ord per kommune",
           "codes_per_role": "Kodede enheter per 1 000 ord per informantrolle",
           "code_cooccurrence": "Samforekomst av koder (enheter med begge kodene)",
           "requirements_grid": "Innholdskravene i barnevernloven § 15-1 per plan"},
    "en": {"codes_per_case": "Coded units per 1,000 words per case",
           "codes_per_role": "Coded units per 1,000 words per informant role",
           "code_cooccurrence": "Code co-occurrence (units with both codes)",
           "requirements_grid": "Content requirements of § 15-1 per plan"},
}


def _figure_label(stem: str, lang: str) -> str:
    if stem in FIGURE_LABELS[lang]:
        return FIGURE_LABELS[lang][stem]
    group = stem.replace("wordcloud_", "").replace("wordcloud", "alle" if lang == "nb" else "all")
    return f"{TEXT[lang]['figure']} – {group}"


def _header_row(word_table, frame: pd.DataFrame, widths: list[float]) -> None:
    """The header row: bold, shaded, repeated on each page; every column's width set (fixed layout)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Cm, Pt

    tbl = word_table._tbl
    tbl_pr = tbl.tblPr
    tbl_pr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
    for grid_col, width in zip(tbl.tblGrid.findall(f'{{{tbl.nsmap["w"]}}}gridCol'), widths):
        grid_col.set(f'{{{tbl.nsmap["w"]}}}w', str(int(Cm(width).twips)))
    row = word_table.rows[0]
    row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    for cell, column, width in zip(row.cells, frame.columns, widths):
        cell.width = Cm(width)
        cell.text = str(column)
        cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:fill="{HEADER_FILL}"/>'))
        for run in cell.paragraphs[0].runs:
            run.bold = True
            run.font.size = Pt(8)


def _run_xml(text: str, half_points: int) -> str:
    """A run as python-docx writes ``cell.text = text``: line breaks and tabs as their elements."""
    from xml.sax.saxutils import escape

    parts = []
    for piece in re.split(r"(\r\n|[\n\r\t])", XML_ILLEGAL.sub("", text)):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\n", "\r", "\r\n"):
            parts.append("<w:br/>")
        elif piece:
            parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f'<w:r><w:rPr><w:sz w:val="{half_points}"/></w:rPr>{"".join(parts)}</w:r>'


def _append_rows(word_table, frame: pd.DataFrame, *, half_points: int, numeric=None, indent=None) -> None:
    """Append the rows of ``frame`` to a python-docx table whose first row is the header.

    The rows are built as XML and parsed in one go: python-docx takes a third of a
    millisecond per cell, which is seconds for the appendix of a national corpus. Each
    cell has the header cell's width and one run of ``half_points`` size; ``numeric`` columns are
    right-aligned, and the first cell of row i is indented ``indent[i]`` levels.
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from lxml import etree

    if frame.empty:
        return
    properties = []
    for tc in word_table.rows[0]._tr.tc_lst:
        width = tc.tcPr.find(f'{{{tc.nsmap["w"]}}}tcW') if tc.tcPr is not None else None
        properties.append(f"<w:tcPr>{etree.tostring(width, encoding='unicode')}</w:tcPr>" if width is not None
                          else "")
    numeric = numeric or [False] * len(frame.columns)
    rows = []
    for i, values in enumerate(frame.itertuples(index=False)):
        cells = []
        for j, (prop, value) in enumerate(zip(properties, values)):
            paragraph = ""
            if numeric[j]:
                paragraph = '<w:pPr><w:jc w:val="right"/></w:pPr>'
            elif j == 0 and indent and indent[i]:
                paragraph = f'<w:pPr><w:ind w:left="{283 * indent[i]}"/></w:pPr>'
            cells.append(f"<w:tc>{prop}<w:p>{paragraph}{_run_xml(cell_text(value), half_points)}</w:p></w:tc>")
        rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
    body = parse_xml(f'<w:tbl {nsdecls("w")}>{"".join(rows)}</w:tbl>')
    table = word_table._tbl
    for row in list(body):
        table.append(row)


def markdown_table(frame: pd.DataFrame) -> str:
    def esc(value) -> str:
        return cell_text(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(c) for c in frame.columns) + " |",
             "|" + "|".join("---" for _ in frame.columns) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def write_markdown(tables: list[Table], path, *, lang: str = "nb") -> Path:
    parts = [f"# {TEXT[lang]['appendix']}\n"]
    for number, table in enumerate(tables, start=1):
        frame = table.frame
        if table.indent:
            first = frame.columns[0]
            frame = frame.assign(**{first: ["\u2003" * d + cell_text(v) for d, v in zip(table.indent, frame[first])]})
        parts.append(f"## {number} {table.title}\n\n*{table.caption}*\n\n{markdown_table(frame)}\n")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return Path(path)
