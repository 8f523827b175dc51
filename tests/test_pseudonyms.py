"""The name matcher behind --pseudonymise (sources/pseudonyms.py): what counts as a name in text, exactly."""

import unicodedata

import pytest

from casestudy.model import Document, Segment
from casestudy.sources.folder import CaseTable
from casestudy.sources.pseudonyms import NameMatcher, build, fold, read_names

NAMES = {fold(k): v for k, v in {"Fjordvik": "Kommune A", "Per Hansen": "[person]", "Hansen": "[navn]",
                                  "Vesterøy-Nord": "Kommune B", "Vik": "Kommune C"}.items()}


@pytest.mark.parametrize("text, expected", [
    ("Fjordvik kommune", "Kommune A kommune"),
    ("FJORDVIK og fjordvik", "Kommune A og Kommune A"),
    ("Fjordviks plan", "Kommune As plan"),  # genitive
    ("Fjordvik's plan", "Kommune As plan"),
    ("Fjordvik’s plan", "Kommune As plan"),
    ("Fjordvik-skolen", "Kommune A-skolen"),  # a hyphenated compound
    ("Fjordvikskolen", "Fjordvikskolen"),  # a compound in one word: not found (list it in a names file)
    ("fjordvik_leder.docx", "Kommune A_leder.docx"),  # an underscore separates words, as in file names
    ("Per  Hansen og Hansens bil", "[person] og [navn]s bil"),  # the longest name first; any white space
    ("Per\nHansens kontor", "[person]s kontor"),
    ("Vesterøy-Nord og Vesterøy - Nord", "Kommune B og Kommune B"),  # the name's own punctuation
    ("Vesterøy Nord", "Vesterøy Nord"),
    ("en vik, viktig og Viks", "en Kommune C, viktig og Kommune Cs"),  # whole words only
])
def test_names_are_whole_words_in_any_case_with_a_genitive(text, expected):
    assert NameMatcher(NAMES).sub(text) == expected


def test_scrub_normalises_to_nfc_first():
    names = build([], CaseTable(), names={"Hångvik": "Kommune B"})
    assert names.scrub(unicodedata.normalize("NFD", "I Hångvik bor vi.")) == "I Kommune B bor vi."


def test_a_names_file_has_one_name_a_line_comments_and_chosen_replacements(tmp_path):
    path = tmp_path / "navn.txt"
    path.write_text("# steder\nSolbakken = [skole]\n\n  Kari Nordmann  \n", encoding="utf-8")
    assert read_names(path) == {"Solbakken": "[skole]", "Kari Nordmann": "[navn]"}


def test_speakers_get_neutral_labels_and_a_named_speaker_is_replaced_in_the_text():
    doc = Document("interviews/x.txt", None, "interview", "x", segments=[
        Segment(0, "Hei Kari.", turn=1, speaker="Intervjuer", interviewer=True),
        Segment(1, "Kari her. Ola og jeg jobber sammen.", turn=2, speaker="Kari Nordmann"),
        Segment(2, "Ja, Kari har rett.", turn=3, speaker="Ola", role="koordinator"),
        Segment(3, "Koordinatoren her.", turn=4, speaker="Koordinator", role="koordinator"),
    ])
    table = CaseTable(rows={"interviews/x.txt": {"file": "interviews/x.txt", "case": "X", "pseudonym": "Kommune X"}})
    names = build(["interviews/x.txt"], table)
    doc = names.apply(doc)
    assert doc.id == "Kommune X/intervju 1.txt" and doc.case == "Kommune X"
    assert [(s.speaker, s.text) for s in doc.segments] == [
        ("Intervjuer", "Hei Informant 1."),
        ("Informant 1", "Informant 1 her. Informant 2 og jeg jobber sammen."),
        ("Informant 2", "Ja, Informant 1 har rett."),
        ("Informant 3", "Koordinatoren her."),  # a role as a label is not a name
    ]


def test_files_without_a_row_or_a_pseudonym_get_unknown_cases_in_file_order():
    table = CaseTable(rows={"b.txt": {"file": "b.txt", "case": "Bby", "pseudonym": ""},
                            "c.txt": {"file": "c.txt", "case": "Cby", "pseudonym": "Ukjent 1"}})
    names = build(["a_1.txt", "a_2.txt", "b.txt", "c.txt"], table)
    assert names.cases == {"a_1.txt": "Ukjent 2", "a_2.txt": "Ukjent 2", "b.txt": "Ukjent 3", "c.txt": "Ukjent 1"}
    assert names.warnings == [
        "Ukjent 2/intervju 1.txt: not in cases.csv, so its case is called Ukjent 2 (add a row with a pseudonym)",
        "Ukjent 2/intervju 2.txt: not in cases.csv, so its case is called Ukjent 2 (add a row with a pseudonym)",
        "Ukjent 3/intervju 1.txt: no pseudonym in cases.csv, so its case is called Ukjent 3 (add a row with a "
        "pseudonym)"]
    assert names.scrub("a og Bby og Cby") == "Ukjent 2 og Ukjent 3 og Ukjent 1"
