"""The review loop: export a sheet from a run, mark decisions, import it, agreement on exactly those units."""

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from casestudy.cli import main

BOOK = ("codes:\n  - id: prevention\n    patterns: [forebygging]\n  - id: children\n    patterns: ['barn*']\n"
        "  - id: cooperation\n    patterns: [samarbeide]\n")


@pytest.fixture
def run(tiny_corpus, tmp_path):
    book = tmp_path / "book.yaml"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--codebook", str(book),
                                       "--no-clouds", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return out, book


def _sheet(out):
    book = load_workbook(out / "review" / "review.xlsx")
    return book, book["Gjennomgang"]


def _fill(out, decisions):
    """Set decision, codes_reviewed and comment by row number (2 = first unit)."""
    book, sheet = _sheet(out)
    header = [c.value for c in sheet[1]]
    for row, values in decisions.items():
        for name, value in values.items():
            sheet.cell(row, header.index(name) + 1).value = value
    book.save(out / "review" / "review.xlsx")


def test_export_writes_one_row_per_coded_unit_with_a_decision_drop_down(run):
    out, _ = run
    result = CliRunner().invoke(main, ["review", "export", str(out)])
    assert result.exit_code == 0, result.output
    book, sheet = _sheet(out)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[header.index("decision")] == "decision"
    got = [(r[header.index("document")], r[header.index("text")], r[header.index("codes")]) for r in rows[1:]]
    assert got == [
        ("interviews/testby_koord.txt", "Tjenestene samarbeider godt om barna.", "cooperation;children"),
        ("interviews/testby_leder.docx", "Forebygging handler om barna og familiene.", "prevention;children"),
        ("interviews/testby_leder.docx", "Barna må få hjelp tidlig.", "children"),
        ("interviews/testby_leder.docx", "Barnehagen ser barna hver dag.", "children"),
        ("plans/testby.pdf", "Kommunen skal styrke forebyggingen for barna.", "prevention;children"),
    ]
    rule = sheet.data_validations.dataValidation[0]
    assert (rule.formula1, str(rule.sqref)) == ('"accept,reject,other code"', f"P2:P{len(rows)}")
    assert sheet["A1"].font.b and sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:T6"
    assert book.sheetnames == ["Gjennomgang", "Slik gjør du"]


def test_import_gives_the_reviewed_coding_and_agreement_on_exactly_those_units(run):
    out, _ = run
    CliRunner().invoke(main, ["review", "export", str(out)])
    _fill(out, {2: {"decision": "accept"},
                3: {"decision": "other code", "codes_reviewed": "prevention", "comment": "barna er ikke temaet"},
                4: {"decision": "reject", "comment": "for generelt"}})
    result = CliRunner().invoke(main, ["review", "import", str(out / "review" / "review.xlsx")])
    assert result.exit_code == 0, result.output
    # 9 (unit, code) decisions: the tool 5 yes, the reviewer 3, both 3, 7 agree: κ = (63 - 39) / (81 - 39)
    assert result.output.splitlines()[-1] == ("3 reviewed units; the tool's codes: precision 0.60, recall 1.00, "
                                              "pooled κ 0.57")
    reviewed = pd.read_csv(out / "coded_segments_reviewed.csv", keep_default_na=False)
    assert reviewed[["text", "code", "suggested", "decision", "comment"]].values.tolist() == [
        ["Tjenestene samarbeider godt om barna.", "cooperation", "cooperation", "accept", ""],
        ["Tjenestene samarbeider godt om barna.", "children", "children", "accept", ""],
        ["Forebygging handler om barna og familiene.", "prevention", "prevention", "other code",
         "barna er ikke temaet"],
        ["Forebygging handler om barna og familiene.", "", "children", "other code", "barna er ikke temaet"],
        ["Barna må få hjelp tidlig.", "", "children", "reject", "for generelt"],
    ]
    table = pd.read_csv(out / "review" / "agreement.csv").set_index("code")
    assert table[["units", "human", "auto", "both"]].values.tolist() == [
        [3, 1, 1, 1], [3, 1, 3, 1], [3, 1, 1, 1], [3, 3, 5, 3]]
    assert list(table.index) == ["prevention", "children", "cooperation", "(all codes)"]
    # the reviewed coding is a human coding `agreement` compares on the same three units
    agr = CliRunner().invoke(main, ["agreement", str(out / "coded_segments_reviewed.csv"),
                                    str(out / "coded_segments.csv"), "--codebook", str(run[1]),
                                    "--out", str(out / "agr"), "--jobs", "1"])
    assert agr.exit_code == 0, agr.output
    assert "3 units (units the human coder looked at, coded by either coder) in 2 documents" in agr.output


def test_reexport_after_a_recode_keeps_decisions_of_unchanged_units(run, tiny_corpus):
    out, book = run
    CliRunner().invoke(main, ["review", "export", str(out)])
    _fill(out, {2: {"decision": "accept"}, 3: {"decision": "reject", "comment": "nei"},
                4: {"decision": "accept", "comment": "ok"}})
    book.write_text(BOOK.replace("patterns: [samarbeide]", "patterns: [samarbeide, hjelp]"), encoding="utf-8")
    assert CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--codebook", str(book),
                                     "--no-clouds", "--jobs", "1"]).exit_code == 0
    assert CliRunner().invoke(main, ["review", "export", str(out)]).exit_code == 0
    _, sheet = _sheet(out)
    header = [c.value for c in sheet[1]]
    got = [[r[header.index(c)] for c in ("text", "codes", "decision", "comment")]
           for r in sheet.iter_rows(min_row=2, max_row=4, values_only=True)]
    assert got == [
        ["Tjenestene samarbeider godt om barna.", "cooperation;children", "accept", None],
        ["Forebygging handler om barna og familiene.", "prevention;children", "reject", "nei"],
        ["Barna må få hjelp tidlig.", "children;cooperation", None,
         "[koder endret siden forrige gjennomgang: var children, accept] ok"],
    ]


@pytest.mark.parametrize("values, message", [
    ({"decision": "kanskje"}, "row 2, column 'decision': 'kanskje' is not a decision; use accept, reject or other code"),
    ({"decision": "other code"}, "row 2, column 'codes_reviewed': empty; 'other code' needs the codes that apply"),
    ({"decision": "other code", "codes_reviewed": "samarbeid"},
     "row 2, column 'codes_reviewed': samarbeid is not a code of the codebook"),
])
def test_import_errors_name_the_row_and_column(run, values, message):
    out, _ = run
    CliRunner().invoke(main, ["review", "export", str(out)])
    _fill(out, {2: values})
    result = CliRunner().invoke(main, ["review", "import", str(out / "review" / "review.xlsx")])
    assert result.exit_code == 1
    assert message in result.output


def test_a_formula_like_text_is_written_as_text(tmp_path):
    from casestudy.output.review_sheet import write_review_sheet

    frame = pd.DataFrame({"unit_id": ["a"], "document": ["=cmd|' /C calc'!A0"], "text": ["=1+1"], "codes": ["x"],
                          "matched": [""], "decision": [""]})
    write_review_sheet(frame, tmp_path / "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx")["Gjennomgang"]
    assert [(c.value, c.data_type) for c in sheet[2]][1:3] == [("=cmd|' /C calc'!A0", "s"), ("=1+1", "s")]


def test_twenty_decisions_on_the_demo_give_agreement_on_twenty_units(tmp_path):
    out = tmp_path / "demo"
    assert CliRunner().invoke(main, ["run", "corpus", "--out", str(out), "--no-clouds"]).exit_code == 0
    assert CliRunner().invoke(main, ["review", "export", str(out)]).exit_code == 0
    _fill(out, {row: {"decision": "accept" if row % 4 else "reject"} for row in range(2, 22)})
    result = CliRunner().invoke(main, ["review", "import", str(out / "review" / "review.xlsx")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "review" / "agreement.csv").set_index("code")
    assert table.loc["(all codes)", "units"] == 20
    assert result.output.splitlines()[-1].startswith("20 reviewed units")


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice is not installed here")
def test_libreoffice_opens_the_review_sheet_and_the_appendix(run, tmp_path):
    import csv
    import subprocess

    out, _ = run
    CliRunner().invoke(main, ["review", "export", str(out)])
    converted = tmp_path / "lo"
    for source, target in ((out / "review" / "review.xlsx", "csv"), (out / "appendix" / "appendix.docx", "pdf")):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                        target, "--outdir", str(converted), str(source)], check=True, capture_output=True, timeout=180)
    rows = list(csv.reader(open(converted / "review.csv", encoding="utf-8", errors="replace")))
    assert rows[0][:3] == ["unit_id", "document", "case"] and len(rows) == 6
    assert [r[rows[0].index("text")] for r in rows[1:3]] == ["Tjenestene samarbeider godt om barna.",
                                                             "Forebygging handler om barna og familiene."]
    pdf = (converted / "appendix.pdf").read_bytes()
    assert b"/MediaBox [ 0 0 595" in pdf or b"/MediaBox[0 0 595" in pdf  # A4: 595 × 842 points
