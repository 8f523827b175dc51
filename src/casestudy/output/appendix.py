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
from .files import XML_ILLEGAL, cell_text

LANGS = ("nb", "en")
STATUS = {
    "nb": {"met": "oppfylt", "partial": "delvis", "missing": "mangler", "not_assessed": "ikke vurdert"},
    "en": {"met": "met", "partial": "partial", "missing": "missing", "not_assessed": "not assessed"},
}
TEXT = {
    "nb": {
        "requirements": ("Oppfyllelse av innholdskravene i barnevernloven § 15-1",
                         "Status per plan og krav: oppfylt, delvis eller mangler, med sidene der belegget står."),
        "profiles": ("Planprofiler", "Planperiode, vedtak, definerte begreper, forebyggingsnivåer, modeller, "
                                     "datakilder og tiltaksoversikt per plan."),
        "codes": ("Kodede enheter per kode og kommune", "Antall kodede enheter (setninger) per kode og kommune; "
                                                        "en underkode teller også for overkoden."),
        "words": ("Mest brukte ord per gruppe", "Lemmaer uten stoppord; intervjuerens tur er ikke med."),
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
                         "Status per plan and requirement: met, partial or missing, with the pages of the evidence."),
        "profiles": ("Plan profiles", "Plan period, adoption, concepts defined, prevention levels, models, data "
                                      "sources and overview of measures per plan."),
        "codes": ("Coded units per code and case", "Number of coded units (sentences) per code and case; a "
                                                   "sub-code also counts for its parent."),
        "words": ("Most frequent words per group", "Lemmas without stop words; interviewer turns excluded."),
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
    name: str
    title: str
    caption: str
    frame: pd.DataFrame


def _rename(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={k: v for k, v in TEXT[lang]["columns"].items() if k in frame.columns})


def appendix_tables(*, requirements_matrix=None, checklist=None, profiles=None, code_matrix=None, codebook=None,
                    word_counts=None, coded=None, lang: str = "nb", top_words: int = 20,
                    excerpts_per_code: int = 3) -> list[Table]:
    """The appendix tables from the run's frames; a table whose frame is None or empty is left out."""
    check_choice("lang", lang, LANGS)
    text = TEXT[lang]
    tables = []
    if requirements_matrix is not None and not requirements_matrix.empty:
        frame = requirements_matrix.drop(columns=["document"]).copy()
        labels = {c.id: f"{c.id} {c.label}" for c in checklist.codes} if checklist else {}
        for column in frame.columns[1:]:
            frame[column] = frame[column].map(lambda v: STATUS[lang].get(v, v))
        frame = frame.rename(columns=labels)
        tables.append(Table("requirements", *text["requirements"], _rename(frame, lang)))
    if profiles is not None and not profiles.empty:
        tables.append(Table("profiles", *text["profiles"], _rename(profiles.drop(columns=["document"]), lang)))
    if code_matrix is not None and not code_matrix.empty:
        by = code_matrix.columns[0]
        frame = code_matrix.set_index(by).T
        frame.columns = [str(c) for c in frame.columns]
        labels = {c.id: c.label or c.id for c in codebook.flat()} if codebook else {}
        frame.insert(0, "label", [labels.get(i, i) for i in frame.index])
        tables.append(Table("codes", *text["codes"], _rename(frame.reset_index(drop=True), lang)))
    if word_counts is not None and not word_counts.empty:
        frame = word_counts[word_counts["rank"] <= top_words][["group", "rank", "lemma", "count"]]
        tables.append(Table("words", *text["words"], _rename(frame.reset_index(drop=True), lang)))
    if coded is not None and not coded.empty:
        rows = []
        labels = {c.id: c.label or c.id for c in codebook.flat()} if codebook else {}
        order = [c.id for c in codebook.flat()] if codebook else list(dict.fromkeys(coded["code"]))
        # each code's first rows, found in one pass (not one comparison of the whole column per code)
        first = {code_id: part for code_id, part in coded.groupby("code", sort=False).head(excerpts_per_code)
                 .groupby("code", sort=False)}
        for code_id in order:
            if code_id not in first:
                continue
            for row in first[code_id].itertuples():
                where = (f"{text['page']} {row.page}" if pd.notna(row.page) else
                         f"{text['turn']} {row.turn}" if pd.notna(row.turn) else "")
                quote = row.text if len(row.text) <= 300 else row.text[:299] + "…"
                rows.append((labels.get(code_id, code_id), f"«{quote}»", row.case, f"{row.document}, {where}"))
        frame = pd.DataFrame(rows, columns=["label", "quote", "case", "reference"])
        caption = text["excerpts"][1].format(n=excerpts_per_code)
        tables.append(Table("excerpts", text["excerpts"][0], caption, _rename(frame, lang)))
    return tables


def appendix_from(frames: dict, *, checklist=None, codebook=None, lang: str = "nb") -> list[Table]:
    """The appendix tables from a run's frames keyed by file stem (requirements_matrix, plan_profiles,
    code_matrix, word_counts, coded_segments), each left out when absent."""
    return appendix_tables(
        requirements_matrix=frames.get("requirements_matrix"), checklist=checklist,
        profiles=frames.get("plan_profiles"), code_matrix=frames.get("code_matrix"), codebook=codebook,
        word_counts=frames.get("word_counts"), coded=frames.get("coded_segments"), lang=lang,
    )


def write_xlsx(tables: list[Table], path) -> Path:
    """One sheet per table, header frozen, column widths fitted (at most 60 characters)."""
    from openpyxl.utils import get_column_letter

    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for table in tables:
                sheet = table.name[:31]
                table.frame.to_excel(writer, sheet_name=sheet, index=False)
                ws = writer.sheets[sheet]
                ws.freeze_panes = "A2"
                for i, column in enumerate(table.frame.columns, start=1):
                    values = [str(column)] + [str(v) for v in table.frame[column].tolist()[:500]]
                    ws.column_dimensions[get_column_letter(i)].width = min(60, max(len(v) for v in values) + 2)
    return Path(path)



MAX_PORTRAIT_COLUMNS = 7


def for_page(frame: pd.DataFrame) -> pd.DataFrame:
    """A wide table with few rows reads better turned: its columns become rows (first column as header)."""
    if len(frame.columns) > MAX_PORTRAIT_COLUMNS and len(frame) + 1 < len(frame.columns):
        turned = frame.set_index(frame.columns[0]).T.reset_index()
        turned.columns = [""] + [str(c) for c in turned.columns[1:]]
        return turned
    return frame


def _set_landscape(section, landscape: bool):
    from docx.enum.section import WD_ORIENT

    width, height = sorted((section.page_width, section.page_height))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)


def write_docx(tables: list[Table], path, *, images: list[Path] = (), lang: str = "nb") -> Path:
    """A Word appendix: a numbered heading and a captioned Word table per table, then the word clouds.

    A wide table with few rows is turned (its columns become rows); a table still wider
    than the page allows gets a landscape section of its own.
    """
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Cm, Pt

    document = docx.Document()
    document.core_properties.author = "casestudy"
    document.add_heading(TEXT[lang]["appendix"], level=1)
    landscape = False
    for number, table in enumerate(tables, start=1):
        frame = for_page(table.frame)
        wide = len(frame.columns) > MAX_PORTRAIT_COLUMNS
        if wide != landscape:
            _set_landscape(document.add_section(WD_SECTION.NEW_PAGE), wide)
            landscape = wide
        document.add_heading(f"{number} {table.title}", level=2)
        document.add_paragraph(f"{'Tabell' if lang == 'nb' else 'Table'} {number}: {table.caption}",
                               style="Caption")
        word_table = document.add_table(rows=1, cols=len(frame.columns))
        word_table.style = "Table Grid"
        for cell, column in zip(word_table.rows[0].cells, frame.columns):
            cell.text = str(column)
            for run in cell.paragraphs[0].runs:
                run.bold = True
                run.font.size = Pt(8)
        _append_rows(word_table, frame, half_points=16)
    if landscape and images:
        _set_landscape(document.add_section(WD_SECTION.NEW_PAGE), False)
    for number, image in enumerate(images, start=1):
        document.add_picture(str(image), width=Cm(16))
        label = Path(image).stem.replace("wordcloud_", "").replace("wordcloud", "alle" if lang == "nb" else "all")
        document.add_paragraph(f"{'Figur' if lang == 'nb' else 'Figure'} {number}: {TEXT[lang]['figure']} – {label}",
                               style="Caption")
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return Path(path)


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


def _append_rows(word_table, frame: pd.DataFrame, *, half_points: int) -> None:
    """Append the rows of ``frame`` to a python-docx table whose first row is the header.

    The rows are built as XML and parsed in one go: python-docx takes a third of a
    millisecond per cell, which is seconds for the appendix of a national corpus. Each
    cell has the header cell's properties (width) and one run of ``half_points`` size.
    """
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from lxml import etree

    if frame.empty:
        return
    properties = [etree.tostring(tc.tcPr, encoding="unicode") if tc.tcPr is not None else ""
                  for tc in word_table.rows[0]._tr.tc_lst]
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(f"<w:tc>{prop}<w:p>{_run_xml(cell_text(value), half_points)}</w:p></w:tc>"
                        for prop, value in zip(properties, values))
        rows.append(f"<w:tr>{cells}</w:tr>")
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
        parts.append(f"## {number} {table.title}\n\n*{table.caption}*\n\n{markdown_table(table.frame)}\n")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return Path(path)
