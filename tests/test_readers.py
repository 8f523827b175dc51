import zipfile

import pytest

from casestudy.errors import ReaderError
from casestudy.sources import read
from casestudy.sources.text import decode

from conftest import make_docx, make_image_pdf, make_pdf

PAGE = [
    "# 1 Ansvarsfordeling",
    "Kommunen skal arbeide med fore-",
    "bygging og tidlig innsats for barne- og",
    "familietjenesten og NAV-",
    "kontoret.",
    "",
    "Helsestasjonen har ansvar for foreldreveiledning.",
]


def test_pdf_paragraphs_pages_hyphens_and_running_header(tmp_path):
    second = ["# 2 Samarbeid", "Tjenestene møtes hver måned i", "et tverrfaglig team."]
    path = make_pdf(tmp_path / "plan.pdf", [PAGE, second, ["Tekst på side tre."]], header="Testby kommune – Plan")
    doc = read(path)
    assert doc.pages == 3
    assert [(s.page, s.heading, s.text) for s in doc.segments] == [
        (1, True, "1 Ansvarsfordeling"),
        (1, False, "Kommunen skal arbeide med forebygging og tidlig innsats for barne- og familietjenesten og "
                   "NAV-kontoret."),
        (1, False, "Helsestasjonen har ansvar for foreldreveiledning."),
        (2, True, "2 Samarbeid"),
        (2, False, "Tjenestene møtes hver måned i et tverrfaglig team."),
        (3, False, "Tekst på side tre."),
    ]
    assert doc.kind == "plan" and doc.case == "plan" and doc.format == "pdf"


def test_pdf_bold_body_size_line_is_a_heading_only_when_shaped_like_one(tmp_path):
    lines = ["** Tiltak for barnehagene", "", "Barnehagene skal bruke kartleggingsverktøy.", "",
             "** Alle tjenester skal melde bekymring til barneverntjenesten.", "",
             "Foreldre får tilbud om veiledning."]
    doc = read(make_pdf(tmp_path / "plan.pdf", [lines]))
    assert [(s.heading, s.heading_level, s.text) for s in doc.segments] == [
        (True, 3, "Tiltak for barnehagene"),
        (False, 0, "Barnehagene skal bruke kartleggingsverktøy."),
        (False, 0, "Alle tjenester skal melde bekymring til barneverntjenesten."),  # bold, but a sentence
        (False, 0, "Foreldre får tilbud om veiledning."),
    ]


def test_pdf_encrypted_with_user_password(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", [PAGE], encrypt="eier", user_password="hemmelig")
    with pytest.raises(ReaderError) as info:
        read(path)
    assert info.value.reason == "encrypted PDF (needs a password): save an unprotected copy and rerun"


def test_pdf_with_owner_password_only_is_read(tmp_path):
    path = make_pdf(tmp_path / "owner.pdf", [PAGE], encrypt="eier")
    assert read(path).segments[0].text == "1 Ansvarsfordeling"


def test_pdf_image_only(tmp_path):
    with pytest.raises(ReaderError) as info:
        read(make_image_pdf(tmp_path / "scan.pdf"))
    assert info.value.reason == "no text layer (scanned or image-only PDF): run OCR first, e.g. ocrmypdf"


def test_pdf_zero_bytes_and_truncated(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ReaderError, match="empty file"):
        read(empty)
    whole = make_pdf(tmp_path / "whole.pdf", [PAGE]).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(ReaderError) as info:
        read(cut)
    assert info.value.reason == "not a readable PDF (corrupt or truncated): open it in a PDF viewer and save it again"


def test_docx_bold_labels_turns_and_roles(tmp_path):
    path = make_docx(tmp_path / "intervju.docx", [
        "Intervjuer: Kan du fortelle om planen?",
        "Informant (barnevernleder): Ja, altså, planen ble vedtatt i fjor.",
        "Den handler om tidlig innsats.",
        "I: Takk.",
        "Informant (barnevernleder): Bare hyggelig.",
    ])
    doc = read(path)
    assert [(s.turn, s.speaker, s.role, s.interviewer, s.text) for s in doc.segments] == [
        (1, "Intervjuer", "intervjuer", True, "Kan du fortelle om planen?"),
        (2, "Informant", "barnevernleder", False, "Ja, altså, planen ble vedtatt i fjor."),
        (2, "Informant", "barnevernleder", False, "Den handler om tidlig innsats."),
        (3, "I", "intervjuer", True, "Takk."),
        (4, "Informant", "barnevernleder", False, "Bare hyggelig."),
    ]
    assert doc.kind == "interview"


def test_docx_that_is_a_pdf(tmp_path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(make_pdf(tmp_path / "x.pdf", [PAGE]).read_bytes())
    with pytest.raises(ReaderError) as info:
        read(fake)
    assert info.value.reason == "a PDF with a .docx name: rename it to .pdf"


def _rewrite_docx(path, members: dict):
    """The DOCX at ``path`` with some members replaced (bytes) or removed (None)."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    for name, data in members.items():
        if data is None:
            contents.pop(name)
        else:
            contents[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def _docx_reason(path) -> str:
    with pytest.raises(ReaderError) as info:
        read(path)
    return info.value.reason


def test_docx_package_problems_each_get_their_reason(tmp_path):
    lines = ["Intervjuer: Hei.", "Informant: Hei på deg."]
    macro = make_docx(tmp_path / "makro.docx", lines)
    with zipfile.ZipFile(macro) as archive:
        types = archive.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    macro_type = b"application/vnd.ms-word.document.macroEnabled.main+xml"
    _rewrite_docx(macro, {"[Content_Types].xml": types.replace(main, macro_type)})
    assert _docx_reason(macro) == ("not a Word document (content type application/vnd.ms-word.document."
                                   "macroEnabled.main+xml): open it in Word and save it as .docx")
    missing = _rewrite_docx(make_docx(tmp_path / "uten_dokument.docx", lines), {"word/document.xml": None})
    assert _docx_reason(missing) == ("damaged DOCX (the main document part is missing): let Word repair it "
                                     "(File > Open > Open and Repair) and save again")
    no_rels = _rewrite_docx(make_docx(tmp_path / "uten_rels.docx", lines), {"_rels/.rels": None})
    assert _docx_reason(no_rels) == _docx_reason(missing)
    no_body = _rewrite_docx(make_docx(tmp_path / "uten_body.docx", lines), {"word/document.xml": (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')})
    assert _docx_reason(no_body) == ("damaged DOCX (the document has no body): let Word repair it "
                                     "(File > Open > Open and Repair) and save again")


def test_docx_with_a_damaged_part_that_holds_no_text_is_read(tmp_path):
    # only the main document part is parsed: broken styles cost nothing of the transcript
    path = _rewrite_docx(make_docx(tmp_path / "stiler.docx", ["Intervjuer: Hei.", "Informant: Hei på deg."]),
                         {"word/styles.xml": b"<w:styles"})
    assert [(s.speaker, s.text) for s in read(path).segments] == [("Intervjuer", "Hei."), ("Informant", "Hei på deg.")]


TRANSCRIPT = "Intervjuer: Hvordan går det med førebygginga?\nInformant: Bra, særlig i barnehagen på Øya.\n"


@pytest.mark.parametrize(
    "encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252")]
)
def test_txt_encodings(tmp_path, encoding, expected):
    path = tmp_path / "t.txt"
    path.write_bytes(TRANSCRIPT.encode(encoding))
    doc = read(path)
    assert doc.encoding == expected
    assert [s.text for s in doc.segments] == ["Hvordan går det med førebygginga?", "Bra, særlig i barnehagen på Øya."]
    assert [s.interviewer for s in doc.segments] == [True, False]


def test_txt_old_dos_codepage_is_not_misread(tmp_path):
    data = ("Informant: Vi har få ressurser, og økonomien i kommunen er så stram at vi sliter. " * 3).encode("cp865")
    text, encoding = decode(data, tmp_path / "x.txt")
    assert encoding == "cp865"
    assert "ressurser, og økonomien" in text


def test_txt_mixed_line_endings_and_timestamps(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"[00:01:12] Intervjuer: Hei.\r\nInformant (koordinator): Hei!\rJeg er her.\n")
    doc = read(path)
    assert [(s.turn, s.speaker, s.role, s.text) for s in doc.segments] == [
        (1, "Intervjuer", "intervjuer", "Hei."),
        (2, "Informant", "koordinator", "Hei!"),
        (2, "Informant", "koordinator", "Jeg er her."),
    ]
