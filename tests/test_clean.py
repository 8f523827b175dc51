import unicodedata

import pytest

from casestudy.text.clean import hyphen_join, is_page_number, join_lines, normalize_text, strip_running_lines


@pytest.mark.parametrize(
    "left, right, expected",
    [
        ("fore\ufffe", "bygging er viktig", "forebygging er viktig"),
        ("fore-", "bygging", "forebygging"),
        ("NAV\ufffe", "kontoret", "NAV-kontoret"),
        ("barne\ufffe", "og familietjenesten", "barne- og familietjenesten"),
        ("helse-", "eller omsorgstjenesten", "helse- eller omsorgstjenesten"),
        ("covid-", "19", "covid-19"),
        ("Nord-", "Norge", "Nord-Norge"),
    ],
)
def test_hyphen_join(left, right, expected):
    assert hyphen_join(left, right) == expected


def test_join_lines_resolves_pdfium_inline_marks():
    lines = ["Kommunen skal arbeide med fore\ufffebygging og tidlig innsats for barne- og",
             "familietjenesten og NAV\ufffekontoret."]
    assert join_lines(lines) == (
        "Kommunen skal arbeide med forebygging og tidlig innsats for barne- og familietjenesten og NAV-kontoret."
    )


def test_join_lines_across_line_end():
    assert join_lines(["Tidlig inn-", "sats og samar-", "beid."]) == "Tidlig innsats og samarbeid."


def test_normalize_text_nfc_and_spaces():
    decomposed = unicodedata.normalize("NFD", "Barnevernet på Øya")
    assert decomposed != "Barnevernet på Øya"
    assert normalize_text(f"  {decomposed}\u00a0 og\tﬁre ") == "Barnevernet på Øya og fire"


def test_normalize_text_is_idempotent():
    text = "A\u00ad b\ufeffc  ﬂ å"
    once = normalize_text(text)
    assert normalize_text(once) == once == "A bc fl å"


@pytest.mark.parametrize("line", ["12", "Side 3 av 10", "- 4 -", "s. 7", "Page 2/9"])
def test_page_numbers(line):
    assert is_page_number(line)


@pytest.mark.parametrize("line", ["2024–2027", "Side om side med familien", "§ 15-1", "3 Ansvarsfordeling"])
def test_not_page_numbers(line):
    assert not is_page_number(line)


def test_running_headers_and_footers_dropped():
    pages = [
        ["Testby kommune – Plan 2024", "1 Innledning", "Tekst om barn.", "Side 1 av 3"],
        ["Testby kommune – Plan 2024", "Mer tekst om skolen.", "Side 2 av 3"],
        ["Testby kommune – Plan 2024", "Siste tekst.", "Side 3 av 3"],
    ]
    flags = strip_running_lines(pages)
    assert flags == [[False, True, True, False], [False, True, False], [False, True, False]]
