import pandas as pd
import pytest

from casestudy.codebook import Code, Codebook
from casestudy.output.appendix import appendix_tables, markdown_table, write_docx, write_markdown, write_xlsx

CHECKLIST = Codebook(name="krav", codes=[Code(id="R1", label="Mål", patterns=["mål"]),
                                        Code(id="R2", label="Ansvar", patterns=["ansvar"])])
BOOK = Codebook(name="b", codes=[Code(id="prevention", label="Forebygging", patterns=["forebygging"])])


@pytest.fixture
def tables():
    matrix = pd.DataFrame([["plans/a.pdf", "Kommune 1", "met", "partial"],
                           ["plans/b.pdf", "Kommune 2", "missing", "not_assessed"]],
                          columns=["document", "case", "R1", "R2"])
    code_matrix = pd.DataFrame([["Kommune 1", 3], ["Kommune 2", 0]], columns=["case", "prevention"])
    words = pd.DataFrame([["alle", "barn", 10, 0.1, 1], ["alle", "skole", 5, 0.05, 2]],
                         columns=["group", "lemma", "count", "share", "rank"])
    coded = pd.DataFrame([{"document": "plans/a.pdf", "case": "Kommune 1", "page": 2, "turn": pd.NA,
                           "code": "prevention", "text": "Forebygging | virker."}])
    return appendix_tables(requirements_matrix=matrix, checklist=CHECKLIST, code_matrix=code_matrix,
                           codebook=BOOK, word_counts=words, coded=coded)


def test_tables_have_norwegian_labels(tables):
    assert [t.name for t in tables] == ["requirements", "codes", "words", "excerpts"]
    assert tables[0].frame.values.tolist() == [["Kommune 1", "oppfylt", "delvis"],
                                               ["Kommune 2", "mangler", "ikke vurdert"]]
    assert list(tables[0].frame.columns) == ["Kommune", "R1 Mål", "R2 Ansvar"]
    assert tables[1].frame.values.tolist() == [["Forebygging", 3, 0]]
    assert tables[2].frame.values.tolist() == [[1, "barn (10)"], [2, "skole (5)"]]
    assert tables[3].frame.values.tolist() == [["Forebygging", "«Forebygging | virker.»", "Kommune 1",
                                                "plans/a.pdf, s. 2"]]


def test_docx_has_a_table_per_table_and_the_images(tables, tmp_path):
    import docx
    from PIL import Image

    image = tmp_path / "wordcloud_barnevernleder.png"
    Image.new("RGB", (40, 20), "white").save(image)
    path = write_docx(tables, tmp_path / "a.docx", images=[image])
    document = docx.Document(str(path))
    assert len(document.tables) == 4
    assert len(document.inline_shapes) == 1
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("Tabell 1: Status per plan og krav")
    assert captions[-1] == "Figur 1: Ordsky – barnevernleder"
    assert [c.text for c in document.tables[0].rows[1].cells] == ["Kommune 1", "oppfylt", "delvis"]


def test_docx_cells_keep_breaks_tabs_and_markup_characters(tmp_path):
    import docx
    from docx.shared import Pt

    from casestudy.output.appendix import Table

    frame = pd.DataFrame([["a\nb", "x\ty", "<&> «å»", "bad\x0bchar", None]], columns=list("abcde"))
    path = write_docx([Table("t", "Tittel", "Tekst", frame)], tmp_path / "t.docx")
    table = docx.Document(str(path)).tables[0]
    assert [c.text for c in table.rows[0].cells] == list("abcde")
    assert [c.text for c in table.rows[1].cells] == ["a\nb", "x\ty", "<&> «å»", "badchar", ""]
    assert {r.font.size for row in table.rows for c in row.cells for p in c.paragraphs for r in p.runs} == {Pt(8)}
    assert [c.width for c in table.rows[1].cells] == [c.width for c in table.rows[0].cells]


def test_xlsx_sheets_are_norwegian_with_styled_filtered_headers(tables, tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(write_xlsx(tables, tmp_path / "a.xlsx"))
    assert book.sheetnames == ["Krav § 15-1", "Koder per kommune", "Mest brukte ord", "Utdrag"]
    sheet = book["Krav § 15-1"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:C3"
    assert sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb == "00DDEBF7"
    assert [c.value for c in sheet[2]] == ["Kommune 1", "oppfylt", "delvis"]
    codes = book["Koder per kommune"]
    assert [(c.value, c.alignment.horizontal) for c in codes[2]] == [("Forebygging", None), (3, "right"), (0, "right")]


def test_xlsx_dates_are_dates_and_formulas_stay_text(tmp_path):
    import datetime as dt

    import openpyxl

    from casestudy.output.appendix import Table

    frame = pd.DataFrame({"case": ["=cmd|' /C calc'!A0"], "adopted_date": ["19.10.2023"], "pages": [12]})
    path = write_xlsx([Table("profiles", "P", "C", frame)], tmp_path / "p.xlsx")
    row = openpyxl.load_workbook(path)["Planprofiler"][2]
    assert [(c.value, c.data_type) for c in row] == [("=cmd|' /C calc'!A0", "s"), (dt.datetime(2023, 10, 19), "d"),
                                                    (12, "n")]
    assert row[1].number_format == "DD.MM.YYYY"


def test_markdown_escapes_pipes(tables, tmp_path):
    text = write_markdown(tables, tmp_path / "a.md").read_text(encoding="utf-8")
    assert "| Forebygging | «Forebygging \\| virker.» | Kommune 1 | plans/a.pdf, s. 2 |" in text
    assert markdown_table(pd.DataFrame({"a": [1, None]})) == "| a |\n|---|\n| 1.0 |\n|  |"


def test_wide_few_row_tables_are_turned_for_the_page():
    from casestudy.output.appendix import for_page

    wide = pd.DataFrame([["Kommune 1"] + list(range(9)), ["Kommune 2"] + list(range(9))],
                        columns=["Kommune"] + [f"f{i}" for i in range(9)])
    turned = for_page(wide)
    assert list(turned.columns) == ["", "Kommune 1", "Kommune 2"]
    assert turned.iloc[0].tolist() == ["f0", 0, 0]
    narrow = wide.iloc[:, :4]
    assert for_page(narrow) is narrow


def test_docx_is_a4_with_repeated_bold_headers_and_widths_from_the_content(tables, tmp_path):
    import docx

    document = docx.Document(str(write_docx(tables, tmp_path / "a.docx")))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    table = document.tables[3]  # the excerpts: label, quote, case, reference
    header = table.rows[0]
    assert header._tr.trPr.xpath("./w:tblHeader")  # repeated on every page
    assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
    widths = [round(cell.width.cm, 2) for cell in header.cells]
    assert round(sum(widths), 1) == 16.0  # the text width of A4 with 2.5 cm margins
    assert widths[1] == max(widths)  # the quote column is the widest
    numbers = document.tables[1].rows[1].cells[1].paragraphs[0]
    assert numbers.alignment == 2  # right


def test_excerpts_quote_a_unit_once_per_code_branch_and_indent_child_codes():
    book = Codebook(name="b", codes=[Code(id="level", label="Nivå", children=[
        Code(id="universal", label="Universell", patterns=["x"]), Code(id="selective", label="Selektiv",
                                                                        patterns=["y"])])])
    row = {"document": "a.docx", "case": "K1", "page": pd.NA, "turn": 3}
    coded = pd.DataFrame([{**row, "code": code, "text": "Tre nivå: universell og selektiv."}
                          for code in ("level", "universal", "selective")]
                         + [{**row, "code": "selective", "text": "Bare selektiv her."}])
    table = appendix_tables(coded=coded, codebook=book)[0]
    assert table.frame.iloc[:, :2].values.tolist() == [["Nivå", "«Tre nivå: universell og selektiv.»"],
                                                       ["Selektiv", "«Bare selektiv her.»"]]
    assert table.indent == [0, 1]


def test_requirement_cells_cite_the_evidence_pages():
    matrix = pd.DataFrame([["plans/a.pdf", "K1", "met"]], columns=["document", "case", "R1"])
    long = pd.DataFrame([["plans/a.pdf", "R1", "3;5"]], columns=["document", "requirement", "pages"])
    table = appendix_tables(requirements_matrix=matrix, checklist=CHECKLIST, requirements=long)[0]
    assert table.frame.values.tolist() == [["K1", "oppfylt (s. 3, 5)"]]
    assert table.caption.endswith("sidene der belegget står, i parentes.")
    without = appendix_tables(requirements_matrix=matrix, checklist=CHECKLIST)[0]
    assert without.caption == "Status per plan og krav (oppfylt, delvis, mangler)."
