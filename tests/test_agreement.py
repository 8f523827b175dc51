"""Agreement with a human coding: reading, alignment to units, κ/α/precision-recall with exact values."""

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from casestudy import read_corpus
from casestudy.analyses.agreement import (
    OVERALL, agreement, align, coding_frame, cohen_kappa, krippendorff_alpha, read_coding,
)
from casestudy.codebook import codebook_from_data, parse_yaml
from casestudy.analyses.coding import code_corpus
from casestudy.errors import UsageError

from conftest import make_pdf

ALFA = "interviews/alfa.txt"
BETA = "interviews/beta.txt"
GAMMA = "plans/gamma.pdf"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """alfa: 2 informant turns of 3 sentences; beta: 1 turn of 2 paragraphs, 'Barna venter.' in both; gamma: 2 pages."""
    root = tmp_path_factory.mktemp("agreement") / "corpus"
    (root / "interviews").mkdir(parents=True)
    (root / "plans").mkdir()
    (root / ALFA).write_text(
        "I: Hvordan jobber dere?\n"
        "Leder: Vi jobber med forebygging. Skolen er viktig. Foreldre får hjelp.\n"
        "I: Og samarbeidet?\n"
        "Leder: Samarbeidet går godt. Barnehagen melder tidlig. Økonomien er stram.\n", encoding="utf-8")
    (root / BETA).write_text(
        "I: Hva er utfordringen?\n"
        "Koordinator: Vi mangler penger. Ventetiden er lang. Barna venter.\n\n"
        "Det er synd. Barna venter.\n", encoding="utf-8")
    make_pdf(root / GAMMA, [["# Plan", "Kommunen skal forebygge. Barna skal ha hjelp."],
                            ["Tiltak for familier.", "", "Barna venter ikke."]])
    return read_corpus(root, jobs=1)


def test_the_fixture_corpus_has_the_units_the_tests_assume(corpus):
    texts = {d.id: [s.text for s in d.segments] for d in corpus}
    assert texts[ALFA][3] == "Samarbeidet går godt. Barnehagen melder tidlig. Økonomien er stram."
    assert texts[BETA][1:] == ["Vi mangler penger. Ventetiden er lang. Barna venter.", "Det er synd. Barna venter."]
    assert texts[GAMMA] == ["Plan", "Kommunen skal forebygge. Barna skal ha hjelp.", "Tiltak for familier.",
                            "Barna venter ikke."]


def auto_frame(rows, unit="sentence"):
    """An auto coding as code_corpus gives it: (document, segment, start, end, code)."""
    frame = pd.DataFrame(rows, columns=["document", "segment", "start", "end", "code"])
    frame["unit"] = unit
    frame["matched"] = ""
    return frame


# alfa units (segment, sentence): (1,0) forebygging (1,1) Skolen (1,2) Foreldre (3,0) Samarbeidet (3,1) Barnehagen
# (3,2) Økonomien; beta: (1,0) penger (1,1) Ventetiden (1,2) Barna venter (2,0) Det er synd (2,1) Barna venter
AUTO = auto_frame([
    (ALFA, 1, 0, 2, "A"),
    (ALFA, 3, 0, 11, "B"),
    (ALFA, 3, 22, 32, "A"),
    (ALFA, 3, 33, 39, "B"),
    (BETA, 1, 0, 2, "C"),
    (BETA, 1, 39, 44, "A"),
])

HUMAN_CSV = (
    "document,code,text,segment,start,end,doc_start,doc_end\n"
    "interviews/alfa.txt,A,forebygging,,,,,\n"  # 2: a quote inside a unit
    "interviews/alfa.txt,B,Skolen er viktig.,,,,,\n"  # 3: the unit's text
    "interviews/alfa.txt,B,,3,0,21,,\n"  # 4: segment offsets
    "alfa.txt,A,\"barnehagen melder\n   TIDLIG\",,,,,\n"  # 5-6: file name only; case and whitespace differ
    "interviews/alfa.txt,C,,,,,153,172\n"  # 7: document offsets (Økonomien er stram.)
    "beta,C,«Vi mangler penger»,,,,,\n"  # 8: file stem; quote marks
    "interviews/beta.txt,A,Barna venter.,,,,,\n"  # 9: occurs twice: not aligned
    "interviews/delta.txt,A,Noe,,,,,\n"  # 10: not in the corpus
    "interviews/alfa.txt,A,Hvordan jobber dere?,,,,,\n"  # 11: interviewer turn
)
# The vectors over the 7 units coded by either coder, in order alfa (1,0) (1,1) (3,0) (3,1) (3,2), beta (1,0) (1,2)
HUMAN = {"A": [1, 0, 0, 1, 0, 0, 0], "B": [0, 1, 1, 0, 0, 0, 0], "C": [0, 0, 0, 0, 1, 1, 0]}
MACHINE = {"A": [1, 0, 0, 1, 0, 0, 1], "B": [0, 0, 1, 1, 0, 0, 0], "C": [0, 0, 0, 0, 0, 1, 0]}


@pytest.fixture
def human_csv(tmp_path):
    path = tmp_path / "human.csv"
    path.write_text(HUMAN_CSV, encoding="utf-8")
    return path


# --- statistics against established implementations and published examples ----------------------------------


@pytest.mark.parametrize("a, b", [
    ([1, 0, 0, 1, 0, 0, 0], [1, 0, 0, 1, 0, 0, 1]),
    ([0, 1, 1, 0, 0, 0, 0, 1, 1], [0, 0, 1, 1, 0, 0, 0, 1, 0]),
    (["x", "y", "z", "x", "x"], ["x", "y", "y", "x", "z"]),
    ([1, 1, 0, 0], [0, 0, 1, 1]),
])
def test_kappa_matches_scikit_learn(a, b):
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_kappa_is_nan_without_variation():
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    assert math.isnan(cohen_kappa([], []))


NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", C: 4 observers, 12 units, missing data
KRIPPENDORFF_4 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
# the same paper, A: two observers, binary data
KRIPPENDORFF_2 = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]


def test_alpha_published_examples():
    assert round(krippendorff_alpha(KRIPPENDORFF_4), 3) == 0.743
    assert round(krippendorff_alpha(KRIPPENDORFF_2), 3) == 0.095


@pytest.mark.parametrize("data", [
    KRIPPENDORFF_4, KRIPPENDORFF_2,
    [[1, 0, 0, 1, 0, 0, 0], [1, 0, 0, 1, 0, 0, 1], [1, NAN, 0, 1, NAN, 0, 0]],
    [["a", "b", None, "a"], ["a", "b", "b", "b"], [None, "b", "b", "a"]],
])
def test_alpha_matches_the_krippendorff_package(data):
    labels = sorted({str(v) for row in data for v in row if not pd.isna(v)})  # the package wants numbers
    numeric = [[NAN if pd.isna(v) else labels.index(str(v)) for v in row] for row in data]
    expected = krippendorff.alpha(reliability_data=numeric, level_of_measurement="nominal")
    assert krippendorff_alpha(data) == pytest.approx(expected, abs=1e-12)


def test_alpha_is_nan_without_variation_or_pairable_values():
    assert math.isnan(krippendorff_alpha([[0, 0, 0], [0, 0, 0]]))
    assert math.isnan(krippendorff_alpha([[1, NAN], [NAN, 0]]))


# --- reading a human coding ------------------------------------------------------------------------------------


def test_read_coding_normalises_rows_with_file_lines(human_csv):
    frame = read_coding(human_csv)
    assert frame["line"].tolist() == [2, 3, 4, 5, 7, 8, 9, 10, 11]
    row = frame.iloc[3]
    assert (row["document"], row["code"], row["text"]) == ("alfa.txt", "A", "barnehagen melder\n   TIDLIG")
    assert frame.loc[frame["line"] == 4, ["segment", "start", "end"]].values.tolist() == [[3, 0, 21]]
    assert frame.loc[frame["line"] == 7, ["doc_start", "doc_end"]].values.tolist() == [[153, 172]]
    assert set(frame["coder"]) == {"human"}


def test_read_coding_understands_norwegian_headers_semicolons_and_several_codes(tmp_path):
    path = tmp_path / "koding.csv"
    path.write_text('Dokument;Kode;Side;Sitat\nplans/gamma.pdf;"A; B";2;\n', encoding="utf-8")
    frame = read_coding(path)
    assert frame[["document", "code", "page", "line"]].values.tolist() == [[GAMMA, "A", 2, 2], [GAMMA, "B", 2, 2]]


def test_read_coding_from_a_workbook_skips_blank_rows(tmp_path):
    path = tmp_path / "koding.xlsx"
    pd.DataFrame({"document": ["alfa", "", "beta"], "code": ["A", "", "B"], "page": ["", "", "2.0"]}).to_excel(
        path, index=False)
    frame = read_coding(path)
    assert frame[["line", "document", "code", "page"]].astype(object).values.tolist() == [
        [2, "alfa", "A", pd.NA], [4, "beta", "B", 2]]


def test_start_and_end_without_segment_are_document_offsets(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("document,code,start,end\nx.txt,A,5,9\n", encoding="utf-8")
    assert read_coding(path)[["start", "doc_start", "doc_end"]].astype(object).values.tolist() == [[pd.NA, 5, 9]]
    with pytest.raises(UsageError) as error:
        read_coding(path, offsets="segment")
    assert str(error.value) == (f"{path}, line 1: missing column 'segment': segment offsets (start/end) need the "
                                "segment index, as in coded_segments.csv; or pass offsets='document'")


@pytest.mark.parametrize("content, message", [
    ("document,text\nx.txt,hei\n", "line 1: missing column 'code' (found: document, text); a human coding needs "
                                   "document, code and text, page/turn or start/end"),
    ("document,code\nx.txt,A\n", "line 1: no column that locates the passage (found: document, code); add text "
                                 "(the unit or a quote), page or turn, or start/end offsets"),
    ("document,code,text,page\nx.txt,A,\"to\nlinjer\",1\nx.txt,A,hei,tre\n",
     "line 4, column 'page': 'tre' is not a whole number of 0 or more"),
    ("document,code,segment,start,end\nx.txt,A,1,9,5\n", "line 2, column 'start': 9 is after end 5"),
    ("document,code,segment,start,end\nx.txt,A,1,3,\n", "line 2, column 'end': empty, but 'start' is given"),
    ("document,code,page\n,A,1\n", "line 2, column 'document': empty; name the file (e.g. plans/fjordvik.pdf)"),
    ("document,code,start\nx.txt,A,1\n", "line 1: column 'start' needs a column 'end'"),
    ("document,code,text\nx.txt,A,hei,du\n", "line 2: 4 fields but the header has 3; put text that holds ',' "
                                            "in double quotes"),
])
def test_read_coding_errors_name_file_line_and_column(tmp_path, content, message):
    path = tmp_path / "h.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as error:
        read_coding(path)
    assert str(error.value) == f"{path}, {message}"


# --- alignment -------------------------------------------------------------------------------------------------


def test_align_finds_each_row_by_offsets_page_turn_or_text(corpus, human_csv):
    aligned, unaligned = align(human_csv, corpus)
    got = aligned[["line", "document", "segment", "sentence", "code", "method"]].values.tolist()
    assert got == [
        [2, ALFA, 1, 0, "A", "text"],
        [3, ALFA, 1, 1, "B", "text"],
        [4, ALFA, 3, 0, "B", "offsets"],
        [5, ALFA, 3, 1, "A", "text"],
        [7, ALFA, 3, 2, "C", "document offsets"],
        [8, BETA, 1, 0, "C", "text"],
    ]
    assert unaligned[["line", "reason"]].values.tolist() == [
        [9, "text occurs in 2 places in the document: 'Barna venter.'; add page, turn or offsets, or quote more of it"],
        [10, "document 'interviews/delta.txt' is not in the corpus"],
        [11, "an interviewer turn: not coded by the tool (pass include_interviewer=True to compare it)"],
    ]


def test_align_long_quote_page_turn_and_mismatched_offsets(corpus):
    human = coding_frame(pd.DataFrame([
        (ALFA, "A", "med forebygging. Skolen er viktig. Foreldre", None, None, None, None, None),  # 3 units
        (GAMMA, "B", "", 2, None, None, None, None),  # every unit on page 2
        (GAMMA, "B", "barna", 1, None, None, None, None),  # text within page 1
        (BETA, "C", "Barna venter.", None, None, 2, None, None),  # in segment 2: one place
        (ALFA, "C", "Skolen er viktig.", None, None, 1, 0, 5),  # offsets point elsewhere: the text decides
        (GAMMA, "C", "", 3, None, None, None, None),
        (ALFA, "C", "", None, 9, None, None, None),
        (ALFA, "C", "Barna", None, None, None, None, None),
        (GAMMA, "C", "Tiltak", 1, None, None, None, None),
    ], columns=["document", "code", "text", "page", "turn", "segment", "start", "end"]))
    aligned, unaligned = align(human, corpus)
    got = aligned[["line", "segment", "sentence", "page", "method"]].astype(object)
    assert got.where(got.notna(), None).values.tolist() == [
        [1, 1, 0, None, "text"], [1, 1, 1, None, "text"], [1, 1, 2, None, "text"],
        [2, 2, 0, 2, "page"], [2, 3, 0, 2, "page"],
        [3, 1, 1, 1, "text"],
        [4, 2, 1, None, "text"],
        [5, 1, 1, None, "text (offsets did not match)"],
    ]
    assert unaligned[["line", "reason"]].values.tolist() == [
        [6, "no page 3 in the document (pages 1–2)"],
        [7, "no turn 9 in the document (turns 1–4)"],
        [8, "text not found in the document: 'Barna'"],
        [9, "text not found in the document: 'Tiltak' (looked in page 1)"],
    ]


def test_turn_units_join_the_paragraphs_of_a_turn(corpus):
    human = coding_frame(pd.DataFrame({"document": [BETA], "code": ["A"], "turn": [2]}))
    aligned, unaligned = align(human, corpus, unit="turn")
    assert aligned[["segment", "turn", "unit_text"]].values.tolist() == [
        [1, 2, "Vi mangler penger. Ventetiden er lang. Barna venter.\nDet er synd. Barna venter."]]
    assert unaligned.empty


# --- agreement: exact values -----------------------------------------------------------------------------------


def test_agreement_per_code_exact_values(corpus, human_csv):
    result = agreement(human_csv, AUTO, corpus, scope="documents")
    table = result.per_code.set_index("code")
    assert list(table.index) == ["A", "B", "C", OVERALL]
    assert table["units"].tolist() == [7, 7, 7, 7]
    assert table[["human", "auto", "both"]].values.tolist() == [[2, 3, 2], [2, 2, 1], [2, 1, 1], [6, 6, 4]]
    assert table["percent_agreement"].tolist() == pytest.approx([600 / 7, 500 / 7, 600 / 7, 1700 / 21])
    assert table["kappa"].tolist() == pytest.approx([16 / 23, 6 / 20, 10 / 17, 96 / 180])
    assert table.loc["A", "alpha"] == pytest.approx(64 / 90)
    for code in "ABC":
        assert table.loc[code, "kappa"] == pytest.approx(cohen_kappa_score(HUMAN[code], MACHINE[code]))
        expected = krippendorff.alpha(reliability_data=[MACHINE[code], HUMAN[code]], level_of_measurement="nominal")
        assert table.loc[code, "alpha"] == pytest.approx(expected)
    pooled = sum((MACHINE[c] for c in "ABC"), []), sum((HUMAN[c] for c in "ABC"), [])
    assert table.loc[OVERALL, "kappa"] == pytest.approx(cohen_kappa_score(*pooled))
    assert table.loc[OVERALL, "alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=list(pooled), level_of_measurement="nominal"))
    assert table["precision"].tolist() == pytest.approx([2 / 3, 1 / 2, 1, 4 / 6])
    assert table["recall"].tolist() == pytest.approx([1, 1 / 2, 1 / 2, 4 / 6])
    assert table.loc["C", "f1"] == pytest.approx(2 / 3)
    assert set(table["counted"]) == {"units of the documents, coded by either coder"}
    assert result.summary == ("mean κ 0.53 over 3 codes, pooled α 0.54, 7 units (units of the documents, coded by either coder) in "
                              "2 documents, 3 human rows not aligned")
    assert result.unaligned["line"].tolist() == [9, 10, 11]


def test_disagreements_list_unit_text_code_and_sides(corpus, human_csv):
    result = agreement(human_csv, AUTO, corpus, scope="documents")
    got = result.disagreements[["document", "segment", "sentence", "turn", "code", "human", "auto", "human_line",
                                "text"]].values.tolist()
    assert got == [
        [ALFA, 1, 1, 2, "B", 1, 0, "3", "Skolen er viktig."],
        [ALFA, 3, 1, 4, "B", 0, 1, "", "Barnehagen melder tidlig."],
        [ALFA, 3, 2, 4, "C", 1, 0, "7", "Økonomien er stram."],
        [BETA, 1, 2, 2, "A", 0, 1, "", "Barna venter."],
    ]
    assert result.units["text"].tolist()[:2] == ["Vi jobber med forebygging.", "Skolen er viktig."]
    assert result.units[["human", "auto"]].values.tolist()[3] == ["A", "A;B"]


def test_count_uncoded_counts_every_unit_and_says_so(corpus, human_csv):
    result = agreement(human_csv, AUTO, corpus, count_uncoded=True, scope="documents")
    table = result.per_code.set_index("code")
    assert table["units"].tolist() == [11, 11, 11, 11]
    # A: 2 human, 3 auto, 10 of 11 agree → κ = (110 − 78) / (121 − 78)
    assert table.loc["A", "kappa"] == pytest.approx(32 / 43)
    assert table.loc["A", "percent_agreement"] == pytest.approx(1000 / 11)
    assert table.loc["A", "kappa"] == pytest.approx(cohen_kappa_score(HUMAN["A"] + [0] * 4, MACHINE["A"] + [0] * 4))
    assert set(table["counted"]) == {"all units of the documents"}
    assert "11 units (all units of the documents)" in result.summary


def test_restricting_to_documents_and_codes(corpus, human_csv):
    by_document = agreement(human_csv, AUTO, corpus, documents=["beta"]).per_code.set_index("code")
    assert by_document["units"].iloc[0] == 2  # beta (1,0) and (1,2)
    assert by_document.loc[["A", "C"], "kappa"].tolist() == [0.0, 1.0]
    result = agreement(human_csv, AUTO, corpus, codes=["A"], scope="documents")
    table = result.per_code.set_index("code")
    assert list(table.index) == ["A", OVERALL]
    # units coded with A by either: alfa (1,0), (3,1), beta (1,2); human 1,1,0 and auto 1,1,1
    assert table.loc["A", ["units", "human", "auto", "both"]].tolist() == [3, 2, 3, 2]
    assert table.loc["A", "kappa"] == pytest.approx(cohen_kappa_score([1, 1, 0], [1, 1, 1]))
    assert result.disagreements["code"].tolist() == ["A"]
    assert result.unaligned["line"].tolist() == [9, 10, 11]  # all three are A rows
    with pytest.raises(UsageError, match="documents: document 'nowhere' is not in the corpus"):
        agreement(human_csv, AUTO, corpus, documents=["nowhere"])


def test_code_never_used_is_nan_with_a_note(corpus, human_csv):
    table = agreement(human_csv, AUTO, corpus, codes=["A", "D"], scope="documents").per_code.set_index("code")
    row = table.loc["D"]
    assert (row["units"], row["human"], row["auto"], row["percent_agreement"]) == (3, 0, 0, 100.0)
    assert math.isnan(row["kappa"]) and math.isnan(row["alpha"]) and math.isnan(row["precision"])
    assert row["note"] == "never used by either coder: κ and α undefined"


def test_perfect_agreement(corpus):
    human = coding_frame(pd.DataFrame({"document": AUTO["document"], "segment": AUTO["segment"],
                                       "start": AUTO["start"], "end": AUTO["end"], "code": AUTO["code"]}))
    result = agreement(human, AUTO, corpus, scope="documents")
    table = result.per_code.set_index("code")
    assert table["kappa"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert table["alpha"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert table["percent_agreement"].tolist() == [100.0] * 4
    assert result.disagreements.empty
    assert result.summary == ("mean κ 1.00 over 3 codes, pooled α 1.00, 5 units (units of the documents, coded by either coder) in "
                              "2 documents, 0 human rows not aligned")


def test_no_variation_and_all_units_uncoded(corpus):
    # every counted unit coded C by both: κ undefined
    human = coding_frame(pd.DataFrame({"document": [BETA], "code": ["C"], "text": ["penger"]}))
    only_c = auto_frame([(BETA, 1, 0, 2, "C")])
    row = agreement(human, only_c, corpus, scope="documents").per_code.iloc[0]
    assert (row["code"], row["units"], row["percent_agreement"]) == ("C", 1, 100.0)
    assert math.isnan(row["kappa"])
    assert row["note"] == ("no variation (auto and the reference agree on every unit with the same value): "
                           "κ and α undefined")
    # nothing coded on either side: no units by default, all units with count_uncoded
    empty = coding_frame(pd.DataFrame({"document": [BETA], "code": [""], "text": [""]}))
    none = auto_frame([])
    result = agreement(empty, none, corpus, codes=["C"], scope="documents")
    row = result.per_code.iloc[0]
    assert row["units"] == 0 and math.isnan(row["percent_agreement"]) and math.isnan(row["kappa"])
    assert row["note"] == "no units counted: κ and α undefined"
    assert result.summary == ("κ undefined (1 code), 0 units (units of the documents, coded by either coder) in 1 document, "
                              "0 human rows not aligned")
    row = agreement(empty, none, corpus, codes=["C"], count_uncoded=True, scope="documents").per_code.iloc[0]
    assert (row["units"], row["percent_agreement"]) == (5, 100.0)
    assert row["note"] == "never used by either coder: κ and α undefined"


def test_several_coders_alpha_with_missing_data(corpus, human_csv):
    ola = read_coding(human_csv).assign(coder="ola")
    kari = coding_frame(pd.DataFrame({  # kari coded alfa only: her beta units are missing data
        "document": [ALFA, ALFA, ALFA], "code": ["A", "A", "B"],
        "text": ["forebygging", "Skolen er viktig.", "Samarbeidet går godt."], "coder": "kari"}))
    human = pd.concat([ola, kari], ignore_index=True)
    with pytest.raises(UsageError, match=r"2 coders \(ola, kari\): pass reference="):
        agreement(human, AUTO, corpus, scope="documents")
    result = agreement(human, AUTO, corpus, reference="ola", scope="documents")
    table = result.per_code.set_index("code")
    # units: the 7 above plus none new (kari's units are coded by others too)
    assert table.loc["A", "units"] == 7
    assert table.loc["A", "kappa"] == pytest.approx(16 / 23)  # auto against ola only
    kari_a = [1, 1, 0, 0, 0, NAN, NAN]
    expected = krippendorff.alpha(reliability_data=[MACHINE["A"], HUMAN["A"], kari_a],
                                  level_of_measurement="nominal")
    assert table.loc["A", "alpha"] == pytest.approx(expected)
    assert "units of the documents, coded by any coder" in result.summary
    only_ola = agreement(human, AUTO, corpus, coders=["ola"], scope="documents").per_code.set_index("code")
    assert only_ola.loc["A", "alpha"] == pytest.approx(64 / 90)


ROLLUP = codebook_from_data(parse_yaml("""
codes:
  - id: barrier
    label: Barrierer
    patterns: [utfordring]
    children:
      - id: economy
        label: Økonomi
        patterns: [penger]
"""))


def test_rollup_counts_a_child_for_its_parent_and_maps_labels(corpus):
    human = coding_frame(pd.DataFrame({"document": [BETA], "code": ["Økonomi"], "text": ["Vi mangler penger."]}))
    auto = auto_frame([(BETA, 1, 0, 2, "barrier")])
    table = agreement(human, auto, corpus, rollup_codebook=ROLLUP).per_code.set_index("code")
    assert list(table.index) == ["barrier", "economy", OVERALL]
    assert table.loc["barrier", ["human", "auto", "both"]].tolist() == [1, 1, 1]
    assert table.loc["economy", ["human", "auto", "both"]].tolist() == [1, 0, 0]


def test_auto_coded_by_a_coarser_unit_is_refused(corpus, human_csv):
    with pytest.raises(UsageError, match="auto was coded by paragraph, which cannot be split into sentences"):
        agreement(human_csv, auto_frame([(ALFA, 1, 0, 2, "A")], unit="paragraph"), corpus)


def test_paragraph_units(corpus, human_csv):
    auto = auto_frame([(ALFA, 1, 0, 2, "A")], unit="sentence")
    result = agreement(human_csv, auto, corpus, unit="paragraph", codes=["A"])
    # A by human: alfa segment 1 (forebygging) and segment 3 (Barnehagen); by auto: segment 1
    assert result.per_code.loc[0, ["units", "human", "auto", "both"]].tolist() == [2, 2, 1, 1]
    assert result.disagreements[["segment", "sentence", "human", "auto"]].astype(object).values.tolist() == [
        [3, pd.NA, 1, 0]]


# --- round trip: a human coding simulated from the auto coding with known disagreements -------------------------

BOOK = codebook_from_data(parse_yaml("""
codes:
  - id: prevention
    patterns: [forebygging]
  - id: children
    patterns: [barn]
  - id: cooperation
    patterns: [samarbeide]
"""))


def _simulate(coded, drop, add):
    """The auto coding as a human would have it: without the rows at index ``drop``, plus the rows ``add``."""
    human = coded.drop(index=list(drop))[["document", "segment", "start", "end", "code", "matched", "text"]]
    return pd.concat([human, pd.DataFrame(add)], ignore_index=True)


def _row(coded, document, segment, code):
    return coded.index[(coded["document"] == document) & (coded["segment"] == segment) & (coded["code"] == code)][0]


def test_round_trip_finds_exactly_the_introduced_disagreements(tiny_corpus, tmp_path):
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, BOOK)
    assert len(coded) == 8
    leder, koord, plan = "interviews/testby_leder.docx", "interviews/testby_koord.txt", "plans/testby.pdf"
    added = "Barnehagen ser barna hver dag."
    human = _simulate(coded, drop=[_row(coded, koord, 1, "children"), _row(coded, plan, 1, "prevention")],
                      add=[{"document": leder, "segment": 4, "start": 0, "end": len(added), "code": "prevention",
                            "matched": added, "text": added}])
    expected = [
        [koord, 1, "children", 0, 1, "Tjenestene samarbeider godt om barna."],
        [leder, 4, "prevention", 1, 0, added],
        [plan, 1, "prevention", 0, 1, "Kommunen skal styrke forebyggingen for barna."],
    ]
    columns = ["document", "segment", "code", "human", "auto", "text"]

    path = tmp_path / "human.csv"  # as a CSV with segment offsets
    human.drop(columns=["matched", "text"]).to_csv(path, index=False)
    result = agreement(path, coded, corpus, scope="documents")
    assert result.disagreements[columns].values.tolist() == expected
    assert result.unaligned.empty
    assert result.per_code.set_index("code").loc[OVERALL, ["human", "auto", "both"]].tolist() == [7, 8, 6]

    by_text = agreement(coding_frame(human[["document", "code", "text"]]), coded, corpus, scope="documents")  # unit texts, no offsets
    assert by_text.disagreements[columns].values.tolist() == expected

    from casestudy.output.exchange import export_qdpx  # as a REFI-QDA project: document offsets

    qdpx = export_qdpx(corpus, human, BOOK, tmp_path / "human.qdpx", users=("kari",))
    via_qdpx = agreement(read_coding(qdpx, codebook=BOOK), coded, corpus, scope="documents")
    assert via_qdpx.disagreements[columns].values.tolist() == expected
    assert via_qdpx.summary.endswith("5 units (units of the documents, coded by either coder) in 3 documents, 0 human rows not aligned")


def test_round_trip_on_the_demo_corpus(tmp_path):
    from pathlib import Path
    import shutil

    from casestudy.codebook import load_codebook

    root = Path(__file__).parents[1]
    for name in ("plans/storeng.pdf", "interviews/storeng_koordinator.docx"):
        (tmp_path / "corpus" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / "corpus" / name, tmp_path / "corpus" / name)
    corpus = read_corpus(tmp_path / "corpus", jobs=1)
    codebook = load_codebook(root / "codebooks" / "barnevern.yaml")
    coded = code_corpus(corpus, codebook)
    first, second = coded.iloc[0], coded.iloc[-1]
    uncoded = coded[(coded["document"] == first["document"]) & (coded["code"] != "heckman")].iloc[0]
    human = _simulate(coded, drop=[first.name, second.name],
                      add=[{"document": uncoded["document"], "segment": uncoded["segment"], "start": uncoded["start"],
                            "end": uncoded["end"], "code": "heckman"}])
    assert not ((coded["document"] == uncoded["document"]) & (coded["segment"] == uncoded["segment"])
                & (coded["code"] == "heckman")).any()
    result = agreement(coding_frame(human.drop(columns=["matched", "text"])), coded, corpus, codes=codebook.ids, scope="documents")
    got = sorted(map(tuple, result.disagreements[["document", "segment", "code", "human", "auto"]].values.tolist()))
    assert got == sorted([
        (first["document"], first["segment"], first["code"], 0, 1),
        (second["document"], second["segment"], second["code"], 0, 1),
        (uncoded["document"], uncoded["segment"], "heckman", 1, 0),
    ])
    assert result.unaligned.empty


def test_a_partial_human_coding_is_compared_on_the_units_it_looked_at(tiny_corpus):
    """Five hand-coded sentences are scored on those sentences, not on every unit the tool coded there."""
    from casestudy import code_corpus, read_corpus
    from casestudy.codebook import Code, Codebook

    book = Codebook(name="t", codes=[Code(id="prevention", patterns=["forebygging"]),
                                     Code(id="children", patterns=["barn*"])])
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, book)
    leader = "interviews/testby_leder.docx"
    assert len(coded[coded["document"] == leader]) == 4  # three units: one with both codes
    human = coding_frame(pd.DataFrame({
        "document": [leader, leader, leader],
        "text": ["Forebygging handler om barna og familiene."] * 2 + ["Barna må få hjelp tidlig."],
        "code": ["prevention", "children", ""],  # the last: looked at, the tool's code rejected
    }))
    looked_at = agreement(human, coded, corpus, rollup_codebook=book).per_code.set_index("code")
    assert looked_at.loc[OVERALL, "units"] == 2
    assert looked_at.loc["children", ["human", "auto", "both"]].tolist() == [1, 2, 1]
    assert looked_at.loc["prevention", ["human", "auto", "both"]].tolist() == [1, 1, 1]
    assert set(looked_at["counted"]) == {"units the human coder looked at, coded by either coder"}
    whole = agreement(human, coded, corpus, rollup_codebook=book, scope="documents").per_code.set_index("code")
    assert whole.loc[OVERALL, "units"] == 3
    assert whole.loc["children", ["human", "auto", "both"]].tolist() == [1, 3, 1]
    named = agreement(human, coded, corpus, rollup_codebook=book, documents=[leader]).per_code.set_index("code")
    assert named.loc[OVERALL, "units"] == 3
