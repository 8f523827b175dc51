"""A hostile corpus: every kind of bad input a real corpus folder holds, and what a run does with each.

The corpus is generated here (nothing binary is checked in). ``casestudy run`` must finish
with exit 0, read every usable file exactly, skip every unusable one with a one-line reason
(what is wrong, what to do), and list every file with its status in documents.csv and
manifest.json. The second half covers bad codebooks: a clear error naming file, line and
code, a non-zero exit, and no output written at all.
"""

from __future__ import annotations

import json
import os
import re
import socket
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from casestudy.cli import main

from conftest import _fonts, every_text, make_docx, make_image_pdf, make_pdf

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")

# ---------------------------------------------------------------------------------------------------------------
# Builders for files fpdf2 / python-docx cannot make directly
# ---------------------------------------------------------------------------------------------------------------


def make_garbled_pdf(path, lines):
    """A PDF whose font has a broken ToUnicode map: each glyph id maps to the character id+0x20.

    This is what a PDF made by a driver that embeds a subset font without a correct
    Unicode map gives: the page looks right, but the text layer reads '!"#$%&…'.
    """
    from fpdf import FPDF

    regular, _ = _fonts()
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.add_font("dv", "", str(regular))
    pdf.add_page()
    pdf.set_font("dv", size=11)
    pdf.set_xy(20, 25)
    for line in lines:
        pdf.set_x(20)
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    data = Path(path).read_bytes()
    start = data.index(b"beginbfchar")
    end = data.index(b"endbfchar", start)

    def remap(match):
        gid = int(match.group(1), 16)
        if gid in (0, 0x20):
            return match.group(0)
        return b"<%s> <%04X>" % (match.group(1), 0x20 + gid)  # same length: offsets stay valid

    table = re.sub(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", remap, data[start:end])
    Path(path).write_bytes(data[:start] + table + data[end:])
    return Path(path)


_TEXTBOX_RUN = """
<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
     xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
     xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
     xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
     xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
     xmlns:v="urn:schemas-microsoft-com:vml">
  <mc:AlternateContent>
    <mc:Choice Requires="wps">
      <w:drawing>
        <wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0"
                   locked="0" layoutInCell="1" allowOverlap="1">
          <wp:simplePos x="0" y="0"/>
          <wp:extent cx="2000000" cy="500000"/>
          <wp:docPr id="1" name="Tekstboks 1"/>
          <a:graphic>
            <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
              <wps:wsp>
                <wps:txbx>
                  <w:txbxContent>
                    <w:p><w:r><w:t>{box}</w:t></w:r></w:p>
                  </w:txbxContent>
                </wps:txbx>
                <wps:bodyPr/>
              </wps:wsp>
            </a:graphicData>
          </a:graphic>
        </wp:anchor>
      </w:drawing>
    </mc:Choice>
    <mc:Fallback>
      <w:pict>
        <v:shape>
          <v:textbox>
            <w:txbxContent>
              <w:p><w:r><w:t>{box}</w:t></w:r></w:p>
            </w:txbxContent>
          </v:textbox>
        </v:shape>
      </w:pict>
    </mc:Fallback>
  </mc:AlternateContent>
</w:r>
"""


def make_docx_with_tables_and_textbox(path):
    """A transcript the way some transcribers deliver it: turns in a speaker | text table, a text box
    (with its VML fallback copy) in the middle of a paragraph, and a plain data table."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Intervju med helsesykepleier, mars 2024")
    turns = document.add_table(rows=0, cols=2)
    for speaker, text in [
        ("Intervjuer", "Hvordan samarbeider dere med barnevernet?"),
        ("Informant (helsesykepleier)", "Vi har faste møter hver måned."),
        ("Intervjuer", "Og skolen?"),
        ("Informant (helsesykepleier)", "Skolen er med når det trengs."),
    ]:
        cells = turns.add_row().cells
        cells[0].text, cells[1].text = speaker, text
    p = document.add_paragraph()
    p.add_run("Informant (helsesykepleier): Vi har laget en oversikt")
    p._p.append(parse_xml(_TEXTBOX_RUN.replace("{box}", "Merknad fra transkribent om lydopptaket")))
    p.add_run(" som alle kan bruke.")
    data = document.add_table(rows=2, cols=2)
    for row, values in zip(data.rows, [("Tjeneste", "Ansatte"), ("Helsestasjonen", "12")]):
        row.cells[0].text, row.cells[1].text = values
    document.add_paragraph("Intervjuer: Takk for praten.")
    document.save(str(path))
    return Path(path)


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return Path(path)


def make_docx_with_broken_xml(path, tmp):
    good = make_docx(tmp / "good_for_broken.docx", ["Intervjuer: Hei.", "Informant: Hei."])
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["word/document.xml"]
    members["word/document.xml"] = xml[: len(xml) // 2]
    return make_zip(path, members)


# ---------------------------------------------------------------------------------------------------------------
# The hostile corpus
# ---------------------------------------------------------------------------------------------------------------

PLAN = [
    "# 1 Innledning",
    "Kommunen skal styrke det forebyggende arbeidet for barn og unge.",
    "",
    "Planen gjelder for perioden 2024–2027.",
]
TOPICS = ["helsestasjon", "barnehage", "skole", "fritid", "foreldrestøtte", "rus", "psykisk helse",
          "bolig", "økonomi", "ettervern"]


def build_hostile_corpus(base: Path) -> Path:
    """Write the hostile corpus under ``base/corpus`` (plus ``base/shared``, a folder outside it)."""
    root = base / "corpus"
    plans, interviews = root / "plans", root / "interviews"
    plans.mkdir(parents=True)
    interviews.mkdir()
    shared = base / "shared"
    shared.mkdir()
    scratch = base / "scratch"
    scratch.mkdir()

    # --- PDFs ---
    make_pdf(plans / "vik_plan.pdf", [PLAN, ["# 2 Tiltak", "Helsestasjonen gir foreldreveiledning."]])
    (plans / "tom.pdf").write_bytes(b"")
    whole = make_pdf(scratch / "whole.pdf", [PLAN]).read_bytes()
    (plans / "avkuttet.pdf").write_bytes(whole[: len(whole) // 3])
    make_pdf(plans / "passord.pdf", [PLAN], encrypt="eier", user_password="hemmelig")
    make_pdf(plans / "eierpassord.pdf", [PLAN], encrypt="eier")
    make_image_pdf(plans / "skannet.pdf")
    make_garbled_pdf(plans / "feilkodet.pdf", [
        "Kommunen skal styrke det forebyggende arbeidet.",
        "Barnevernet og helsestasjonen samarbeider om tidlig innsats.",
    ])
    make_pdf(plans / "lang.pdf", [[f"Tiltak {n} gjelder {TOPICS[n % 10]} og {TOPICS[(n * 3) % 10]}."]
                                  for n in range(1, 501)])
    (plans / "nedlastet.pdf").write_text("<!DOCTYPE html>\n<html><body>404 Finner ikke siden</body></html>\n")
    (plans / "gammel.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)

    # --- DOCX ---
    make_zip(interviews / "arkiv.docx", {"notater.txt": "Notater fra intervjuet", "lyd/opptak.m4a": b"\x00" * 64})
    (interviews / "egentlig_pdf.docx").write_bytes(whole)
    make_docx_with_tables_and_textbox(interviews / "tabeller.docx")
    good = make_docx(scratch / "good.docx", ["Intervjuer: Hei.", "Informant: Hei."]).read_bytes()
    (interviews / "avkuttet.docx").write_bytes(good[: len(good) // 2])
    make_docx_with_broken_xml(interviews / "skadet.docx", scratch)
    make_docx(interviews / "tom.docx", [])
    (interviews / "~$tabeller.docx").write_bytes(b"\x0cHelse Sykepleier" + b"\x00" * 146)  # Word's lock file

    # --- TXT ---
    (interviews / "vik_leder.txt").write_bytes(
        "Intervjuer: Hvordan går det med økonomien?\r\nInformant (leder): Vi må spare, særlig på tiltak.\r\n"
        .encode("cp1252"))
    (interviews / "vik_utf16.txt").write_bytes(
        "Intervjuer: Hva med Øya skole?\nInformant: Den får flere ressurser i år.\n".encode("utf-16"))
    (interviews / "vik_linjer.txt").write_bytes(
        b"I: F\xc3\xb8rste sp\xc3\xb8rsm\xc3\xa5l?\r\nInformant: Svar en.\nFortsatt svar.\rI: Neste?\r\n"
        b"Informant: Svar to.")
    (interviews / "Østre Åsen_leder intervju.txt").write_text(
        "Intervjuer: Hvem har ansvaret?\nInformant: Kommunalsjefen for oppvekst.\n", encoding="utf-8")
    (interviews / "feil_format.txt").write_bytes(good)
    (interviews / "blandet.txt").write_bytes(
        "Intervjuer: Hva skjer på Øya?\n".encode() + "Informant: Vi får én ny stilling på helsestasjonen.\n"
        .encode("cp1252") + "Intervjuer: Så bra.\n".encode())
    (interviews / "tom.txt").write_bytes(b"")
    (interviews / "blank.txt").write_bytes(b"  \r\n\t\r\n")
    (interviews / "uten_talere.txt").write_text(
        "Hva tenker du om planen?\nDen er bra, men vi mangler ressurser.\n\nDet er alt.\n", encoding="utf-8")
    nested = interviews / "2024" / "runde 2"
    nested.mkdir(parents=True)
    make_docx(nested / "vik_rektor.docx", ["Intervjuer: Hva gjør skolen?", "Rektor: Vi har et eget team."])

    # --- links and permissions ---
    make_pdf(shared / "fellesplan.pdf", [["Felles plan for regionen om tidlig innsats."]])
    (plans / "felles.pdf").symlink_to(shared / "fellesplan.pdf")
    (shared / "intervjuer").mkdir()
    (shared / "intervjuer" / "delt_leder.txt").write_text("Intervjuer: Hei.\nInformant: Hei igjen.\n",
                                                          encoding="utf-8")
    (interviews / "delt").symlink_to(shared / "intervjuer", target_is_directory=True)
    (plans / "borte.pdf").symlink_to(shared / "finnes_ikke.pdf")
    (interviews / "løkke").symlink_to(root, target_is_directory=True)
    locked = interviews / "låst.txt"
    locked.write_text("Intervjuer: Hei.\nInformant: Dette er hemmelig.\n", encoding="utf-8")
    locked.chmod(0)

    # --- cases.csv: unknown files, duplicate rows, missing columns, short and empty rows ---
    (root / "cases.csv").write_text(
        "file,case,role\n"
        "interviews/vik_leder.txt,Vik,leder\n"
        "interviews/vik_leder.txt,Vik,rektor\n"
        "interviews/finnes_ikke.docx,Vik,leder\n"
        "Østre Åsen_leder intervju.txt,Østre Åsen,kommunalsjef\n"
        ",Tom,leder\n"
        "plans/vik_plan.pdf,Vik\n",
        encoding="utf-8",
    )
    return root


#: What the run does with each file: ("ok", number of segments) or ("skipped", the one-line reason).
EXPECTED = {
    # PDFs
    "plans/vik_plan.pdf": ("ok", 5),
    "plans/tom.pdf": ("skipped", "empty file (0 bytes): replace it with the real PDF"),
    "plans/avkuttet.pdf": ("skipped", "not a readable PDF (corrupt or truncated): open it in a PDF viewer and save it "
                                      "again"),
    "plans/passord.pdf": ("skipped", "encrypted PDF (needs a password): save an unprotected copy and rerun"),
    "plans/eierpassord.pdf": ("ok", 3),  # owner password only: opens without one, like in any viewer
    "plans/skannet.pdf": ("skipped", "no text layer (scanned or image-only PDF): run OCR first, e.g. ocrmypdf"),
    "plans/feilkodet.pdf": ("skipped", "text layer is garbled (mostly non-letters: broken font encoding): run OCR on "
                                       "the PDF instead"),
    "plans/lang.pdf": ("ok", 500),
    "plans/nedlastet.pdf": ("skipped", "a web page saved with a .pdf name (a failed download?): download the PDF "
                                       "again"),
    "plans/gammel.doc": ("skipped", "old Word format (.doc): open it in Word and save it as .docx"),
    "plans/felles.pdf": ("ok", 1),  # a link to a file outside the corpus: read under the link's name
    "plans/borte.pdf": ("skipped", "cannot open (No such file or directory): check the path or link"),
    # DOCX
    "interviews/arkiv.docx": ("skipped", "a ZIP archive, not a Word document (no [Content_Types].xml): unpack it and "
                                         "put the documents inside in the corpus"),
    "interviews/egentlig_pdf.docx": ("skipped", "a PDF with a .docx name: rename it to .pdf"),
    "interviews/tabeller.docx": ("ok", 12),
    "interviews/avkuttet.docx": ("skipped", "damaged DOCX (the ZIP container is truncated or corrupt): get a new copy "
                                            "of the file, or let Word repair it and save again"),
    "interviews/skadet.docx": ("skipped", "damaged DOCX (broken XML inside): let Word repair it (File > Open > Open "
                                          "and Repair) and save again"),
    "interviews/tom.docx": ("skipped", "no text (the document is empty): replace it with the transcript"),
    "interviews/2024/runde 2/vik_rektor.docx": ("ok", 2),
    # TXT
    "interviews/vik_leder.txt": ("ok", 2),
    "interviews/vik_utf16.txt": ("ok", 2),
    "interviews/vik_linjer.txt": ("ok", 5),
    "interviews/blandet.txt": ("ok", 3),
    "interviews/Østre Åsen_leder intervju.txt": ("ok", 2),
    "interviews/tom.txt": ("skipped", "empty file (0 bytes): replace it with the transcript"),
    "interviews/blank.txt": ("skipped", "no text (only blank lines or speaker labels): replace it with the transcript"),
    "interviews/uten_talere.txt": ("ok", 2),
    "interviews/feil_format.txt": ("skipped", "a ZIP or Word (.docx) file with a .txt name: rename it to .docx, or "
                                              "export as .txt"),
    "interviews/delt/delt_leder.txt": ("ok", 2),  # found through a link to a folder outside the corpus
    # chmod 000: root reads it anyway (permissions do not stop root)
    "interviews/låst.txt": ("ok", 2) if IS_ROOT else (
        "skipped", "permission denied: make the file readable"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile corpus and one `casestudy run` over it: (corpus root, out folder, click result)."""
    base = tmp_path_factory.mktemp("hostile")
    root = build_hostile_corpus(base)
    out = base / "out"
    result = CliRunner().invoke(main, ["run", str(root), "--out", str(out), "--no-clouds", "--jobs", "2",
                                       "--follow-links"])
    yield root, out, result
    (root / "interviews" / "låst.txt").chmod(0o644)


def test_run_completes_and_reports_every_skipped_file_on_one_line(hostile):
    _, _, result = hostile
    assert result.exit_code == 0, result.output + repr(result.exception)
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped "))
    assert skipped == sorted(f"skipped {doc}: {reason}" for doc, (status, reason) in EXPECTED.items()
                             if status == "skipped")
    n_ok = sum(status == "ok" for status, _ in EXPECTED.values())
    assert f"{n_ok} documents read, {len(EXPECTED) - n_ok} skipped" in result.stderr


def test_documents_csv_lists_every_file_with_status_and_reason(hostile):
    _, out, _ = hostile
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    got = {row.document: (row.status, int(row.segments) if row.status == "ok" else row.reason)
           for row in documents.itertuples()}
    assert got == EXPECTED
    assert len(documents) == len(EXPECTED)  # the link loop and the Word lock file add nothing


def test_manifest_lists_every_file_with_status(hostile):
    _, out, _ = hostile
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    inputs = {row["document"]: row for row in manifest["inputs"]}
    assert set(inputs) == set(EXPECTED)
    for doc, (status, reason) in EXPECTED.items():
        assert inputs[doc]["status"] == status, doc
        if status == "skipped":
            assert inputs[doc]["reason"] == reason
        else:
            assert re.fullmatch(r"[0-9a-f]{64}", inputs[doc]["sha256"])
    assert manifest["skipped"] == [{"document": d, "reason": r} for d, (s, r) in sorted(EXPECTED.items())
                                   if s == "skipped"]


def test_cases_csv_with_unknown_files_duplicates_and_missing_columns(hostile):
    _, out, result = hostile
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == [
        "cases.csv, line 3: a different second row for interviews/vik_leder.txt; the first one is used",
        "cases.csv, line 6: empty 'file' value, row ignored",
        "cases.csv lists interviews/finnes_ikke.docx, which is not in the corpus folder",
    ]
    for warning in manifest["warnings"]:
        assert f"warning: {warning}" in result.stderr
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False).set_index("document")
    # the first of the two rows wins; a bare file name (with æøå and spaces) finds its file in a sub-folder
    assert documents.loc["interviews/vik_leder.txt", ["case", "role"]].tolist() == ["Vik", "leder"]
    assert documents.loc["interviews/Østre Åsen_leder intervju.txt", ["case", "role"]].tolist() == [
        "Østre Åsen", "kommunalsjef"]
    # a short row: the missing role is empty; files not in cases.csv take their case from the name
    assert documents.loc["plans/vik_plan.pdf", ["case", "role"]].tolist() == ["Vik", ""]
    assert documents.loc["interviews/vik_linjer.txt", ["case", "kind", "role"]].tolist() == ["vik", "interview", ""]


def _segments(out, doc):
    frame = pd.read_csv(out / "segments.csv", keep_default_na=False)
    rows = frame[frame["document"] == doc]
    return [(r.turn if r.turn == "" else int(r.turn), r.speaker, r.role, r.text) for r in rows.itertuples()]


def test_transcripts_in_odd_encodings_and_line_endings_are_read_exactly(hostile):
    _, out, _ = hostile
    assert _segments(out, "interviews/vik_leder.txt") == [  # cp1252
        (1, "Intervjuer", "intervjuer", "Hvordan går det med økonomien?"),
        (2, "Informant", "leder", "Vi må spare, særlig på tiltak."),
    ]
    assert _segments(out, "interviews/vik_utf16.txt") == [  # UTF-16 with BOM
        (1, "Intervjuer", "intervjuer", "Hva med Øya skole?"),
        (2, "Informant", "", "Den får flere ressurser i år."),
    ]
    assert _segments(out, "interviews/vik_linjer.txt") == [  # \r\n, \n and \r in one file
        (1, "I", "intervjuer", "Første spørsmål?"),
        (2, "Informant", "", "Svar en."),
        (2, "Informant", "", "Fortsatt svar."),
        (3, "I", "intervjuer", "Neste?"),
        (4, "Informant", "", "Svar to."),
    ]
    assert _segments(out, "interviews/blandet.txt") == [  # UTF-8 with one line pasted in from a cp1252 file
        (1, "Intervjuer", "intervjuer", "Hva skjer på Øya?"),
        (2, "Informant", "", "Vi får én ny stilling på helsestasjonen."),
        (3, "Intervjuer", "intervjuer", "Så bra."),
    ]
    assert _segments(out, "interviews/Østre Åsen_leder intervju.txt") == [
        (1, "Intervjuer", "intervjuer", "Hvem har ansvaret?"),
        (2, "Informant", "kommunalsjef", "Kommunalsjefen for oppvekst."),  # role from cases.csv
    ]
    # no speaker labels: blank-line separated paragraphs, no turns
    assert _segments(out, "interviews/uten_talere.txt") == [
        ("", "", "", "Hva tenker du om planen? Den er bra, men vi mangler ressurser."),
        ("", "", "", "Det er alt."),
    ]
    assert _segments(out, "interviews/2024/runde 2/vik_rektor.docx") == [
        (1, "Intervjuer", "intervjuer", "Hva gjør skolen?"), (2, "Rektor", "", "Vi har et eget team.")]


def test_docx_tables_and_text_boxes(hostile):
    _, out, _ = hostile
    assert _segments(out, "interviews/tabeller.docx") == [
        ("", "", "", "Intervju med helsesykepleier, mars 2024"),
        # a speaker | utterance table is read as turns
        (1, "Intervjuer", "intervjuer", "Hvordan samarbeider dere med barnevernet?"),
        (2, "Informant", "helsesykepleier", "Vi har faste møter hver måned."),
        (3, "Intervjuer", "intervjuer", "Og skolen?"),
        (4, "Informant", "helsesykepleier", "Skolen er med når det trengs."),
        # the text after a text box stays in its paragraph; the box (read once, not its VML copy) follows it
        (5, "Informant", "helsesykepleier", "Vi har laget en oversikt som alle kan bruke."),
        (5, "Informant", "helsesykepleier", "Merknad fra transkribent om lydopptaket"),
        # a data table is read cell by cell
        (5, "Informant", "helsesykepleier", "Tjeneste"),
        (5, "Informant", "helsesykepleier", "Ansatte"),
        (5, "Informant", "helsesykepleier", "Helsestasjonen"),
        (5, "Informant", "helsesykepleier", "12"),
        (6, "Intervjuer", "intervjuer", "Takk for praten."),
    ]


def test_pdfs_pages_links_and_the_500_page_plan(hostile):
    _, out, _ = hostile
    frame = pd.read_csv(out / "segments.csv", keep_default_na=False)
    long = frame[frame["document"] == "plans/lang.pdf"]
    assert long["page"].astype(int).tolist() == list(range(1, 501))
    assert long["text"].iloc[0] == "Tiltak 1 gjelder barnehage og fritid."
    assert long["text"].iloc[-1] == "Tiltak 500 gjelder helsestasjon og helsestasjon."
    owner = frame[frame["document"] == "plans/eierpassord.pdf"]
    assert owner["text"].tolist() == [
        "1 Innledning", "Kommunen skal styrke det forebyggende arbeidet for barn og unge.",
        "Planen gjelder for perioden 2024–2027."]
    linked = frame[frame["document"] == "plans/felles.pdf"]
    assert linked["text"].tolist() == ["Felles plan for regionen om tidlig innsats."]
    # the folder link back to the corpus root (a loop) is not followed: nothing is read twice
    assert not frame["document"].str.contains("løkke").any()


def test_unreadable_file(hostile):
    root, out, _ = hostile
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False).set_index("document")
    row = documents.loc["interviews/låst.txt"]
    if IS_ROOT:  # chmod 000 does not stop root: the file is read like any other
        assert (row["status"], int(row["segments"])) == ("ok", 2)
        pytest.skip("running as root: permissions cannot make a file unreadable, so 'permission denied' is untested")
    assert (row["status"], row["reason"]) == ("skipped", "permission denied: make the file readable")


def test_cases_csv_without_a_file_column_is_an_error_and_writes_nothing(tmp_path, tiny_corpus):
    (tiny_corpus / "cases.csv").write_text("fil,kommune\nplans/testby.pdf,Testby\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--no-clouds", "--jobs", "1"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tiny_corpus / 'cases.csv'}: cases.csv needs a 'file' column "
                             "(found: fil, kommune)\n")
    assert not out.exists()


def test_a_file_the_system_refuses_to_open_is_skipped_with_its_reason(tiny_corpus, tmp_path, monkeypatch):
    """What a non-root user gets for a chmod 000 file, simulated so that it is tested under root too."""
    import casestudy.engine.reading

    real = casestudy.engine.reading.file_sha256

    def refuse(path):
        if Path(path).name == "testby_koord.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(casestudy.engine.reading, "file_sha256", refuse)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--no-clouds", "--jobs", "1",
                                       "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "skipped interviews/testby_koord.txt: permission denied: make the file readable\n" in result.stderr
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert documents[["document", "status"]].values.tolist() == [
        ["interviews/testby_koord.txt", "skipped"], ["interviews/testby_leder.docx", "ok"], ["plans/testby.pdf", "ok"]]


def test_a_file_name_that_is_not_utf8_is_read_and_named_with_its_bytes_escaped(tiny_corpus, tmp_path):
    """A name copied from an old Windows or a zip in Latin-1: Python holds its bytes as lone surrogates,
    which no CSV, JSON or XML output can hold."""
    try:
        os.rename(tiny_corpus / "plans" / "testby.pdf", os.fsencode(tiny_corpus / "plans") + b"/s\xf8r.pdf")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--no-clouds", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False).set_index("document")
    assert documents.loc["plans/s\\xf8r.pdf", ["status", "segments"]].tolist() == ["ok", 2]
    assert "plans/s\\xf8r.pdf" in {row["document"] for row in json.loads((out / "manifest.json").read_text())["inputs"]}
    with zipfile.ZipFile(out / "exchange" / "project.qdpx") as project:
        assert 'name="s\\xf8r.pdf"' in project.read("project.qde").decode("utf-8")


# ---------------------------------------------------------------------------------------------------------------
# Bad codebooks and checklists: one clear line naming file, line and code; exit 1; nothing written
# (tests/test_codebook.py has the messages of the simpler cases; these go through `casestudy run`)
# ---------------------------------------------------------------------------------------------------------------

BAD_CODEBOOKS = {
    "syntax": ("name: Test\ncodes:\n  - id: a\n    patterns: [forebygging, \n  - id: b\n",
               "line 5: invalid YAML: expected the node content, but found '-' (in or just after code 'a')"),
    "tab": ("codes:\n  - id: a\n\tpatterns: [x]\n",
            "line 3: invalid YAML: tab character: indent YAML with spaces (in or just after code 'a')"),
    "duplicate_child": ("codes:\n  - id: a\n    patterns: [x]\n    children:\n      - id: a\n        patterns: [y]\n",
                        "line 5, code 'a': duplicate code id (first defined on line 2)"),
    "no_patterns": ("codes:\n  - id: a\n    patterns: [x]\n  - id: b\n    label: B\n    patterns: []\n",
                    "line 4, code 'b': code has no patterns (give 'patterns', 'regex' or 'children')"),
    "regex": ("codes:\n  - id: a\n    regex: ['[æøå']\n",
              "line 2, code 'a': regex '[æøå' does not compile (unterminated character set at position 0)"),
    "nested_quantifier": ("codes:\n  - id: a\n    regex: ['(\\w+\\s?)+$']\n",
                          "line 2, code 'a': regex '(\\\\w+\\\\s?)+$' has a nested quantifier that can take "
                          "exponential time; rewrite it without repeating a repeated group"),
    "bounded_nested_quantifier": ("codes:\n  - id: a\n    regex: ['(.*a){20}']\n",
                                  "line 2, code 'a': regex '(.*a){20}' has a nested quantifier that can take "
                                  "exponential time; rewrite it without repeating a repeated group"),
    "overlapping_alternatives": ("codes:\n  - id: a\n    regex: ['(a|aa)*b']\n",
                                 "line 2, code 'a': regex '(a|aa)*b' has overlapping alternatives in a repeat that "
                                 "can take exponential time; make the alternatives exclusive"),
    "object_tag": ("codes:\n  - id: a\n    patterns: !!python/object/new:subprocess.Popen [['touch', 'pwned']]\n",
                   "line 3: invalid YAML: YAML tags that construct objects are not allowed "
                   "(tag:yaml.org,2002:python/object/new:subprocess.Popen) (in or just after code 'a')"),
    "name_tag": ("codes:\n  - id: a\n    patterns: [!!python/name:os.system x]\n",
                 "line 3: invalid YAML: YAML tags that construct objects are not allowed "
                 "(tag:yaml.org,2002:python/name:os.system) (in or just after code 'a')"),
    "local_tag": ("codes:\n  - !Code {id: a}\n",
                  "line 2: invalid YAML: YAML tags that construct objects are not allowed (!Code)"),
    "alias_bomb": ("codes:\n  - id: a\n    patterns: &a [x, x, x, x, x, x, x, x, x]\n  - id: b\n"
                   "    patterns: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
                   "line 5: invalid YAML: YAML aliases are not allowed (*a): write the value out in full "
                   "(in or just after code 'b')"),
    "nested_too_deeply": ("codes: " + "[" * 3000 + "]" * 3000 + "\n", "invalid YAML: nested too deeply"),
    "nul_character": ("codes:\n  - id: a\n    patterns: [\"x\x00\"]\n",
                      "line 3: invalid YAML: character U+0000 is not allowed in YAML; remove it"),
    "checklist_kind": ("kind: sjekkliste\ncodes:\n  - id: a\n    patterns: [x]\n",
                       "line 1: kind must be 'codebook' or 'checklist', not 'sjekkliste'"),
    "checklist_rule_value": ("kind: checklist\nassessment:\n  met: {min_kinds: mange}\ncodes:\n  - id: R1\n"
                             "    patterns: [x]\n", "line 3: assessment 'met.min_kinds' must be a number, not 'mange'"),
    "checklist_rule_key": ("kind: checklist\ncodes:\n  - id: R1\n    patterns: [x]\n    assessment: {min_evidence: 2}\n",
                           "line 5, code 'R1': unknown assessment key 'min_evidence' (known: met, overview_topics)"),
    "checklist_kind_group": ("kind: checklist\ncodes:\n  - id: R1\n    patterns: [x]\n    evidence:\n"
                             "      - {kind: forum, needs: {fora: 1}}\n",
                             "line 3, code 'R1': evidence kind 'forum' needs group 'fora', which 'groups' does not "
                             "define (defined: none)"),
    "checklist_headings": ("kind: checklist\ncodes:\n  - id: R1\n    patterns: [x]\n    headings: {mål: 1}\n",
                           "line 3, code 'R1': 'headings' must be a list of strings"),
    "checklist_heading_glob": ("kind: checklist\ncodes:\n  - id: R1\n    patterns: [x]\n    headings: ['*']\n",
                               "line 3, code 'R1': pattern '*' has a glob that matches every word"),
}


@pytest.mark.parametrize("name", sorted(BAD_CODEBOOKS))
def test_bad_codebook_stops_the_run_before_any_output(name, tiny_corpus, tmp_path):
    text, message = BAD_CODEBOOKS[name]
    bad = tmp_path / f"{name}.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--codebook", "barnevern", "--codebook", str(bad),
                                       "--out", str(out), "--no-clouds", "--jobs", "1"])
    assert result.exit_code == 1
    separator = ": " if message.startswith("invalid") else ", "
    assert result.stderr == f"Error: {bad}{separator}{message}\n"
    assert not out.exists()  # not even the cache folder
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    validate = CliRunner().invoke(main, ["codebook", "validate", str(bad)])
    assert (validate.exit_code, validate.stderr) == (1, result.stderr)


def test_bad_codebook_leaves_the_previous_outputs_untouched(tiny_corpus, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(tiny_corpus), "--out", str(out), "--no-clouds", "--jobs", "1"]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_CODEBOOKS["duplicate_child"][0], encoding="utf-8")
    for command in (args + ["--codebook", str(bad)],
                    ["code", str(tiny_corpus), "--codebook", str(bad), "--out", str(out), "--jobs", "1"],
                    ["requirements", str(tiny_corpus), "--checklist", str(bad), "--out", str(out), "--jobs", "1"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, command
        assert result.stderr == f"Error: {bad}, {BAD_CODEBOOKS['duplicate_child'][1]}\n"
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# ---------------------------------------------------------------------------------------------------------------
# No network at run time
# ---------------------------------------------------------------------------------------------------------------


def test_run_needs_no_network(tiny_corpus, tmp_path, monkeypatch):
    """Every network socket and name lookup raises; the whole pipeline (with word clouds) still runs.

    Local (AF_UNIX) sockets stay allowed: they are not network, and process pools may use them.
    """
    attempts = []
    real_socket = socket.socket

    class NoNetwork(real_socket):
        def __init__(self, family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0, fileno=None):
            if fileno is None and family != getattr(socket, "AF_UNIX", None):
                attempts.append(("socket", family))
                raise OSError("network access attempted during a run")
            super().__init__(family, type, proto, fileno)

    def refuse(*args, **kwargs):
        attempts.append(args[:1])
        raise OSError("network access attempted during a run")

    monkeypatch.setattr(socket, "socket", NoNetwork)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with pytest.raises(OSError):
        socket.create_connection(("example.org", 80))
    attempts.clear()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert attempts == []
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [row["status"] for row in manifest["inputs"]] == ["ok", "ok", "ok"]
    assert (out / "figures" / "wordcloud.png").exists()


def test_a_pattern_with_a_lookalike_letter_of_another_script_is_refused():
    from casestudy.codebook import codebook_from_data
    from casestudy.errors import CodebookError

    with pytest.raises(CodebookError, match="mixes letters of several scripts \\(CYRILLIC, LATIN\\)"):
        codebook_from_data({"codes": [{"id": "a", "patterns": ["forebyggin\u0433"]}]})


def test_csv_cells_that_a_spreadsheet_would_run_are_defused_and_cr_is_quoted(tmp_path):
    import csv

    from casestudy.output.files import write_csv

    frame = pd.DataFrame({"document": ["=cmd|' /C calc'!A0", "a\rb.txt", "-1 minus", "@SUM(A1)"], "n": [1, -2, 3, 4]})
    path = write_csv(frame, tmp_path / "t.csv")
    rows = list(csv.reader(open(path, encoding="utf-8", newline="")))
    assert rows == [["document", "n"], ["'=cmd|' /C calc'!A0", "1"], ["a\rb.txt", "-2"], ["'-1 minus", "3"],
                    ["'@SUM(A1)", "4"]]
    assert path.read_bytes().count(b"\n") == 5 and b'"a\rb.txt"' in path.read_bytes()  # the CR inside quotes


def test_a_project_cannot_make_agreement_read_files_outside_it(tmp_path):
    import zipfile

    from casestudy.analyses.agreement import read_coding

    secret = tmp_path / "secret.txt"
    secret.write_text("hemmelig innhold", encoding="utf-8")
    project = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
               '<CodeBook><Codes><Code guid="c1" name="A" isCodable="true"/></Codes></CodeBook><Sources>'
               f'<TextSource guid="s1" name="x.txt" plainTextPath="absolute://{secret}">'
               '<PlainTextSelection guid="p1" startPosition="0" endPosition="9"><Coding guid="k1">'
               '<CodeRef targetGUID="c1"/></Coding></PlainTextSelection></TextSource></Sources></Project>')
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
    frame = read_coding(path)
    assert "hemmelig" not in " ".join(str(v) for v in frame["text"])
    assert any("outside the project (only internal:// sources are read)" in w for w in frame.attrs["warnings"])


def test_a_run_never_reads_its_own_outputs_and_leaves_no_stale_ones(tiny_corpus):
    from click.testing import CliRunner

    from casestudy.cli import main

    out = tiny_corpus / "outputs"  # inside the corpus folder
    for _ in range(2):
        result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--no-clouds", "--jobs", "1",
                                           "--force"])
        assert result.exit_code == 0, result.output
    documents = pd.read_csv(out / "documents.csv")
    assert sorted(documents["document"]) == ["interviews/testby_koord.txt", "interviews/testby_leder.docx",
                                             "plans/testby.pdf"]
    assert (out / "requirements.csv").exists()
    book = tiny_corpus.parent / "book.yaml"
    book.write_text("codes:\n  - id: a\n    patterns: [barn]\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--codebook", str(book),
                                     "--no-clouds", "--jobs", "1"]).exit_code == 0
    assert not (out / "requirements.csv").exists()  # no checklist this time: last run's plan check is gone


def test_a_second_run_on_the_same_output_folder_stops_with_a_message(tiny_corpus, tmp_path):
    from casestudy import pipeline, read_corpus
    from casestudy.errors import CasestudyError

    out = tmp_path / "out"
    out.mkdir()
    with pipeline.output_lock(out):
        with pytest.raises(CasestudyError, match="another casestudy run is writing to this folder"):
            pipeline.run(read_corpus(tiny_corpus, jobs=1), out, clouds=False, jobs=1)


# ---------------------------------------------------------------------------------------------------------------
# Bounded reading (limits.py): bombs are refused by their headers, crashing or hanging readers cost one file,
# workers die with their parent, codebook regexes cannot hang a run. Small files, limits lowered to meet them.
# ---------------------------------------------------------------------------------------------------------------

_BOMB_PARAGRAPHS = 500_000  # '<w:p/>' 500,000 times: 3 MB of XML that deflate packs into a few KB


def make_docx_bomb(path, tmp, paragraphs=_BOMB_PARAGRAPHS, *, stated_size=None):
    """A real transcript whose document.xml holds ``paragraphs`` empty paragraphs more; with ``stated_size``
    the ZIP headers of document.xml lie about its inflated size."""
    import struct

    good = make_docx(tmp / f"{Path(path).stem}_source.docx", ["Intervjuer: Hei.", "Informant: Vi forebygger."])
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["word/document.xml"]
    members["word/document.xml"] = xml.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * paragraphs, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    if stated_size is not None:
        data = bytearray(Path(path).read_bytes())
        name = b"word/document.xml"
        local = data.index(b"PK\x03\x04")
        while data[local + 30: local + 30 + len(name)] != name:
            local = data.index(b"PK\x03\x04", local + 4)
        struct.pack_into("<I", data, local + 22, stated_size)
        central = data.index(b"PK\x01\x02")
        while data[central + 46: central + 46 + len(name)] != name:
            central = data.index(b"PK\x01\x02", central + 4)
        struct.pack_into("<I", data, central + 24, stated_size)
        Path(path).write_bytes(bytes(data))
    return Path(path)


def make_pdf_bomb(path, repeats):
    """A one-page PDF whose compressed content stream shows one word ``repeats`` times (17 bytes each):
    3,000,000 repeats are 51 MB of content in a 124 KB file."""
    import zlib

    content = b"BT /F1 12 Tf 72 700 Td " + b"(Forebygging) Tj " * repeats + b"ET"
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    Path(path).write_bytes(bytes(out))
    return Path(path)


def _member(path, name="word/document.xml") -> zipfile.ZipInfo:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo(name)


def _ingest(corpus, out, *options):
    """`casestudy ingest` as a user runs it; returns (exit code, stderr lines, documents.csv)."""
    result = CliRunner().invoke(main, ["ingest", str(corpus), "--out", str(out), "--no-cache", *options])
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False) if (out / "documents.csv").exists() else None
    return result.exit_code, result.output.splitlines(), documents


@pytest.fixture
def limits_restored():
    """The default limits for a test that changes them (limits.configure), put back after it."""
    from casestudy import limits

    limits.reset()
    yield limits
    limits.reset()


def test_a_docx_bomb_is_refused_by_its_ratio_before_it_inflates(tiny_corpus, tmp_path, monkeypatch):
    from casestudy.sources import read

    bomb = make_docx_bomb(tiny_corpus / "interviews" / "bombe.docx", tmp_path)
    info = _member(bomb)
    ratio = info.file_size / info.compress_size
    assert info.file_size > 3_000_000 and bomb.stat().st_size < 50_000 and ratio > 200
    reason = (f"part word/document.xml inflates {ratio:,.0f} times (a ZIP bomb?), over the limit of 200: if the file "
              f"is genuine, raise the limit (--limit ratio={int(ratio) + 1} or CASESTUDY_LIMITS)")
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(
        getattr(name, "filename", name)) or real_open(self, name, *a, **k))
    with pytest.raises(Exception) as refused:
        read(bomb, tiny_corpus)
    assert refused.value.reason == reason
    assert "word/document.xml" not in opened  # refused by its header: not one byte inflated
    monkeypatch.undo()
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", "2")
    assert code == 0
    assert f"skipped interviews/bombe.docx: {reason}" in lines
    assert documents[["document", "status"]].values.tolist() == [
        ["interviews/bombe.docx", "skipped"], ["interviews/testby_koord.txt", "ok"],
        ["interviews/testby_leder.docx", "ok"], ["plans/testby.pdf", "ok"]]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_docx_part_over_the_size_limit_is_skipped_and_the_limit_can_be_raised(tiny_corpus, tmp_path, jobs):
    bomb = make_docx_bomb(tiny_corpus / "interviews" / "bombe.docx", tmp_path)
    size = _member(bomb).file_size
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", jobs, "--limit", "part_mb=1",
                                     "--limit", "ratio=2000")
    assert code == 0
    assert (f"skipped interviews/bombe.docx: part word/document.xml inflates to {size / 1e6:,.0f} MB, over the limit "
            "of 1 MB: if the file is genuine, raise the limit (--limit part_mb=4 or CASESTUDY_LIMITS)") in lines
    assert documents["status"].tolist() == ["skipped", "ok", "ok", "ok"]
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out2", "--jobs", jobs, "--limit", "part_mb=4,ratio=2000")
    assert code == 0 and documents["status"].tolist() == ["ok", "ok", "ok", "ok"]  # raised: read like the others
    assert documents.set_index("document").loc["interviews/bombe.docx", "segments"] == 2


def test_a_docx_whose_zip_header_lies_about_its_size_is_damaged_not_read_past_it(tiny_corpus, tmp_path):
    from casestudy.sources import read

    bomb = make_docx_bomb(tmp_path / "lügner.docx", tmp_path, stated_size=1_000)
    assert _member(bomb).file_size == 1_000
    with pytest.raises(Exception) as refused:
        read(bomb, tmp_path)
    assert refused.value.reason == ("damaged DOCX (the ZIP container is corrupt): get a new copy of the file, or let "
                                    "Word repair it and save again")


def test_a_pdf_over_the_page_limit_is_skipped_before_a_page_is_read(tiny_corpus, tmp_path, monkeypatch):
    make_pdf(tiny_corpus / "plans" / "lang.pdf", [["Side én."], ["Side to."], ["Side tre."]])
    reason = ("3 pages, over the limit of 2: if the file is genuine, raise the limit (--limit pages=3 or "
              "CASESTUDY_LIMITS)")
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", "1", "--limit", "pages=2")
    assert code == 0 and f"skipped plans/lang.pdf: {reason}" in lines
    assert documents["status"].tolist() == ["ok", "ok", "skipped", "ok"]
    monkeypatch.setenv("CASESTUDY_LIMITS", "pages=2")  # the same limit from the environment
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out2", "--jobs", "2")
    assert code == 0 and f"skipped plans/lang.pdf: {reason}" in lines


def test_a_text_file_over_the_text_limit_is_skipped(tiny_corpus, tmp_path):
    (tiny_corpus / "interviews" / "lang.txt").write_text("I: Hei.\nInformant: " + "barn " * 440_000, encoding="utf-8")
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", "1", "--limit", "text_mb=2")
    assert code == 0
    assert ("skipped interviews/lang.txt: 2.2 million characters of text, over the limit of 2 million: if the file is "
            "genuine, raise the limit (--limit text_mb=3 or CASESTUDY_LIMITS)") in lines
    assert documents["status"].tolist() == ["skipped", "ok", "ok", "ok"]


def test_an_unknown_limit_is_a_usage_error(tiny_corpus, tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tiny_corpus), "--out", str(tmp_path / "o"), "--limit", "pagez=2"])
    assert result.exit_code == 2
    assert ("Invalid value for '--limit': unknown limit 'pagez'; the limits are memory_gb, pages, part_mb, ratio, "
            "seconds, text_mb, total_gb") in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pdf_whose_content_stream_needs_more_than_the_memory_limit_costs_one_file(tiny_corpus, tmp_path, jobs):
    """PDFium aborts the process when an allocation fails: the worker dies, not the run (exit 134 before)."""
    bomb = make_pdf_bomb(tiny_corpus / "plans" / "bombe.pdf", 3_000_000)
    assert bomb.stat().st_size < 200_000
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", jobs, "--limit", "memory_gb=0.25")
    assert code == 0
    assert ("skipped plans/bombe.pdf: the reader crashed on it (killed by SIGABRT): the file is damaged or needs more "
            "memory than the limit; save it again, or raise the limit (--limit memory_gb=1)") in lines
    assert documents[["document", "status"]].values.tolist() == [
        ["interviews/testby_koord.txt", "ok"], ["interviews/testby_leder.docx", "ok"], ["plans/bombe.pdf", "skipped"],
        ["plans/testby.pdf", "ok"]]


def _hooked_reader(monkeypatch, name, action):
    """The PDF reader, but ``action()`` for the file called ``name`` (workers are forked: they run it too)."""
    from casestudy.sources import pdf

    real = pdf.read_pdf

    def read_pdf(path):
        if Path(path).name == name:
            action()
        return real(path)

    monkeypatch.setattr(pdf, "read_pdf", read_pdf)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_killed_while_reading_skips_that_file_and_the_run_goes_on(tiny_corpus, monkeypatch, jobs,
                                                                          limits_restored):
    import signal

    from casestudy.engine.reading import read_corpus

    make_pdf(tiny_corpus / "plans" / "krasj.pdf", [["Krasj."]])
    make_pdf(tiny_corpus / "plans" / "etter.pdf", [["Forebygging etter krasjet."]])
    tries = tiny_corpus.parent / "tries.log"

    def crash():
        with tries.open("a") as log:
            log.write("x")
        os.kill(os.getpid(), signal.SIGKILL)

    _hooked_reader(monkeypatch, "krasj.pdf", crash)
    corpus = read_corpus(tiny_corpus, jobs=jobs)
    assert tries.read_text() == "x"  # read once: a crash is not tried again by another worker
    assert [(s.document, s.reason) for s in corpus.skipped] == [
        ("plans/krasj.pdf", "the reader crashed on it (killed by SIGKILL): the file is damaged or needs more memory "
                            "than the limit; save it again, or raise the limit (--limit memory_gb=4)")]
    assert [d.id for d in corpus.documents] == ["interviews/testby_koord.txt", "interviews/testby_leder.docx",
                                                "plans/etter.pdf", "plans/testby.pdf"]
    assert corpus.documents[2].segments[0].text == "Forebygging etter krasjet."


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_over_the_memory_limit_gets_a_memory_error_and_its_file_is_skipped(tiny_corpus, monkeypatch, jobs,
                                                                                     limits_restored):
    from casestudy.engine.reading import read_corpus

    limits_restored.configure(memory_gb=0.5)
    make_pdf(tiny_corpus / "plans" / "stor.pdf", [["Stor."]])
    _hooked_reader(monkeypatch, "stor.pdf", lambda: bytearray(2**30))  # 1 GB: over the worker's 0.5 GB
    corpus = read_corpus(tiny_corpus, jobs=jobs)
    assert [(s.document, s.reason) for s in corpus.skipped] == [
        ("plans/stor.pdf", "needs more memory than the limit of 0.5 GB per file: if the file is genuine, raise the "
                           "limit (--limit memory_gb=2)")]
    assert len(corpus.documents) == 3


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_reader_that_hangs_is_stopped_at_the_time_limit(tiny_corpus, monkeypatch, jobs, limits_restored):
    import time

    from casestudy.engine.reading import read_corpus

    limits_restored.configure(seconds=1)
    make_pdf(tiny_corpus / "plans" / "treg.pdf", [["Treg."]])
    _hooked_reader(monkeypatch, "treg.pdf", lambda: time.sleep(120))
    started = time.monotonic()
    corpus = read_corpus(tiny_corpus, jobs=jobs)
    assert time.monotonic() - started < 30
    assert [(s.document, s.reason) for s in corpus.skipped] == [
        ("plans/treg.pdf", "reading it took longer than the limit of 1 s: if the file is genuine, raise the limit "
                           "(--limit seconds=4)")]
    assert len(corpus.documents) == 3


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for a reaper does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
@pytest.mark.parametrize("jobs", [1, 2])
def test_reading_workers_die_with_their_parent(tiny_corpus, tmp_path, jobs):
    """kill -9 of the main process while a worker reads: no worker is left behind (one held 1.6 GB for 21 minutes)."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "run.py"
    script.write_text(
        "import os, sys, time\n"
        "from casestudy.sources import pdf\n"
        "from casestudy.engine.reading import read_corpus\n"
        "def read_pdf(path):\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(300)\n"
        "pdf.read_pdf = read_pdf\n"
        f"read_corpus(sys.argv[1], jobs={jobs})\n", encoding="utf-8")
    make_pdf(tiny_corpus / "plans" / "andre.pdf", [["Andre."]])
    main_process = subprocess.Popen([sys.executable, str(script), str(tiny_corpus)], stdout=subprocess.PIPE, text=True)
    try:
        reader = int(main_process.stdout.readline())
        assert reader != main_process.pid and _alive(reader)
    finally:
        main_process.send_signal(signal.SIGKILL)
        main_process.wait()
    deadline = time.monotonic() + 10
    while _alive(reader) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(reader)


def test_a_human_coding_or_project_that_inflates_past_the_limits_is_refused_before_it_is_read(tmp_path,
                                                                                             limits_restored):
    from casestudy.analyses.agreement import read_coding
    from casestudy.errors import CasestudyError

    sheet = tmp_path / "koding.xlsx"
    pd.DataFrame({"document": ["a.txt"], "code": ["x"], "start": [0], "end": [4]}).to_excel(sheet, index=False)
    with zipfile.ZipFile(sheet, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/fyll.xml", b"<a/>" * 1_000_000)  # 4 MB that deflate packs ≈ 1,000 to 1
    info = _member(sheet, "xl/media/fyll.xml")
    ratio = info.file_size / info.compress_size
    with pytest.raises(CasestudyError) as refused:
        read_coding(sheet)
    assert str(refused.value) == (f"{sheet}: part xl/media/fyll.xml inflates {ratio:,.0f} times (a ZIP bomb?), over "
                                  f"the limit of 200: if the file is genuine, raise the limit (--limit "
                                  f"ratio={int(ratio) + 1} or CASESTUDY_LIMITS)")
    project = tmp_path / "p.qdpx"
    padding = "".join(f'<Code guid="c{n}" name="kode {n}" isCodable="true"/>' for n in range(40_000))
    with zipfile.ZipFile(project, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:'
                                        f'1.0" name="p"><CodeBook><Codes>{padding}</Codes></CodeBook></Project>')
    size = _member(project, "project.qde").file_size
    limits_restored.configure(part_mb=1)
    with pytest.raises(CasestudyError) as refused:
        read_coding(project)
    assert str(refused.value) == (f"{project}: part project.qde inflates to {size / 1e6:,.0f} MB, over the limit of "
                                  "1 MB: if the file is genuine, raise the limit (--limit part_mb=4 or "
                                  "CASESTUDY_LIMITS)")


@pytest.mark.parametrize("expression, message", [
    (r"tidlig(.|\s)*zzzforebygging",
     "regex 'tidlig(.|\\\\s)*zzzforebygging' takes over 0.25 s on a text of 36 characters ('tidlig' and 30 × ' ') "
     "(it backtracks); make its alternatives exclusive (e.g. [\\s\\S] for (.|\\s)) and do not repeat a repeat"),
    ("(a|a?)+b", "regex '(a|a?)+b' has overlapping alternatives in a repeat that can take exponential time; make "
                 "the alternatives exclusive"),
])
def test_codebook_validate_refuses_a_regex_that_backtracks(tmp_path, expression, message):
    import time

    book = tmp_path / "bok.yaml"
    book.write_text(f"codes:\n  - id: tidlig\n    regex: ['{expression}']\n", encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["codebook", "validate", str(book)])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert result.output == f"Error: {book}, line 2, code 'tidlig': {message}\n"


def test_a_regex_that_validation_did_not_catch_stops_the_run_with_its_name_instead_of_hanging(tiny_corpus,
                                                                                               monkeypatch):
    import time
    from dataclasses import replace

    from casestudy.analyses import matching
    from casestudy.analyses.coding import code_corpus
    from casestudy.codebook import Code, Codebook
    from casestudy.engine.reading import read_corpus
    from casestudy.errors import CodebookError

    corpus = read_corpus(tiny_corpus, jobs=1)
    first = corpus.documents[0]
    first.segments[0] = replace(first.segments[0], text="tidlig" + " " * 40)  # where (.|\s)* tries 2^40 ways
    book = Codebook(name="b", codes=[Code(id="tidlig", regex=[r"tidlig(.|\s)*zzzforebygging"])])  # not validated
    monkeypatch.setattr(matching, "REGEX_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(CodebookError) as stopped:
        code_corpus(corpus, book)
    assert time.monotonic() - started < 10
    assert str(stopped.value) == ("<codebook>, code 'tidlig': regex 'tidlig(.|\\\\s)*zzzforebygging' took over 0.5 s on "
                                  "one passage of 46 characters (it backtracks); rewrite it, then check it with "
                                  "casestudy codebook validate")


# ---------------------------------------------------------------------------------------------------------------
# Links out of the corpus, pseudonyms that hold, one-line errors (issue 21, items 7, 13 and 14)
# ---------------------------------------------------------------------------------------------------------------


import contextlib  # noqa: E402


def _linked_corpus(base):
    """A corpus with a file and a folder linked from outside it, a link inside it, and a FIFO."""
    root, elsewhere = base / "corpus", base / "elsewhere"
    (root / "interviews").mkdir(parents=True)
    (elsewhere / "folder").mkdir(parents=True)
    (root / "interviews" / "inne.txt").write_text("Intervjuer: Hei.\nInformant: Vi jobber tverrfaglig.\n",
                                                  encoding="utf-8")
    (elsewhere / "ute.txt").write_text("Intervjuer: Hei.\nInformant: Dette er en annen kommune.\n", encoding="utf-8")
    (elsewhere / "folder" / "mappe.txt").write_text("Intervjuer: Hei.\nInformant: Også utenfor.\n",
                                                    encoding="utf-8")
    (root / "interviews" / "ute.txt").symlink_to(elsewhere / "ute.txt")
    (root / "interviews" / "mappe").symlink_to(elsewhere / "folder", target_is_directory=True)
    (root / "interviews" / "kopi.txt").symlink_to(root / "interviews" / "inne.txt")
    os.mkfifo(root / "interviews" / "rør.txt")
    return root


def test_links_out_of_the_corpus_are_read_only_with_follow_links(tmp_path):
    root = _linked_corpus(tmp_path)
    outside = "a link to a {} outside the corpus folder: not read (give --follow-links to read it)"
    fifo = "not a regular file (a FIFO, socket or device): not read"
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(root), "--out", str(tmp_path / "out"), "--jobs", "1", "--silent"])
    assert result.exit_code == 0, result.output
    documents = pd.read_csv(tmp_path / "out" / "documents.csv", keep_default_na=False)
    assert {row.document: (row.status, row.reason) for row in documents.itertuples()} == {
        "interviews/inne.txt": ("ok", ""), "interviews/kopi.txt": ("ok", ""),  # a link inside the corpus
        "interviews/ute.txt": ("skipped", outside.format("file")),
        "interviews/mappe/": ("skipped", outside.format("folder")),
        "interviews/rør.txt": ("skipped", fifo),
    }
    result = runner.invoke(main, ["ingest", str(root), "--out", str(tmp_path / "out2"), "--jobs", "1", "--silent",
                                  "--follow-links"])
    assert result.exit_code == 0, result.output
    documents = pd.read_csv(tmp_path / "out2" / "documents.csv", keep_default_na=False)
    assert {row.document: row.status for row in documents.itertuples()} == {
        "interviews/inne.txt": "ok", "interviews/kopi.txt": "ok", "interviews/ute.txt": "ok",
        "interviews/mappe/mappe.txt": "ok", "interviews/rør.txt": "skipped"}


@pytest.mark.parametrize("target", ["/", "/etc", "home"])
def test_a_corpus_that_is_a_link_to_a_system_or_home_folder_is_refused_before_reading(tmp_path, target,
                                                                                      monkeypatch):
    if target == "home":
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        (tmp_path / "home").mkdir()
        target = str(tmp_path / "home")
    link = tmp_path / "corpus"
    link.symlink_to(target, target_is_directory=True)
    for command in (["run", str(link), "--out", str(tmp_path / "out")], ["ingest", str(link), "--out",
                                                                          str(tmp_path / "out")]):
        result = CliRunner().invoke(main, command + ["--jobs", "1", "--silent"])
        assert result.exit_code == 1
        shown = os.path.realpath(target)
        what = "the home folder" if target.endswith("home") else f"{shown}, a system folder"
        assert result.output == (f"Error: {link}: resolves to {what}, not a corpus folder; give the folder "
                                 "that holds plans/ and interviews/\n")
        assert not (tmp_path / "out").exists()


NAMES_IN_CORPUS = ["Fjordvik", "Hångvik", "Ukjentby", "Kari", "Nordmann", "Solbakken", "Per Hansen", "Hansen",
                   "Fjordvikfjellet", "Bjørn Berg", "Lise Lie", "fjordvik_leder", "ukjentby_rektor"]


def _named_corpus(base):
    """A corpus full of names: case names in file names, folder names and text, speakers named by name, a
    file name in macOS form (decomposed å) listed composed in cases.csv, a file not in cases.csv, and names
    given in cases.csv's 'names' column and in a names file."""
    import unicodedata

    root = base / "korpus"
    (root / "plans").mkdir(parents=True)
    (root / "interviews" / "fjordvik").mkdir(parents=True)
    make_pdf(root / "plans" / "fjordvik.pdf", [[
        "# Fjordvik kommune: plan for forebygging",
        "Fjordviks barnevern samarbeider med Solbakken skole, Fjordvik-skolen og helsestasjonen.",
        "Kari Nordmann leder arbeidet sammen med Per Hansen ved Fjordvikfjellet barnehage.",
    ]])
    make_docx(root / "interviews" / "fjordvik" / "fjordvik_leder.docx", [
        "Intervjuer: Hvordan jobber dere med forebygging i Fjordvik?",
        "Kari Nordmann: Vi har tverrfaglige team. Bjørn Berg og jeg møtes hver uke på Solbakken.",
        "Intervjuer: Og barnehagene?",
        "Kari Nordmann: Kari her igjen: barnehagene i Fjordvik er viktige for tidlig innsats.",
    ])
    decomposed = unicodedata.normalize("NFD", "Hångvik_koordinator.txt")
    (root / "interviews" / decomposed).write_text(
        "Intervjuer: Hva gjør Hångvik for familiene?\n"
        "Lise Lie: Hångvik har foreldreveiledning, og Hansen på helsestasjonen hjelper.\n", encoding="utf-8")
    (root / "interviews" / "ukjentby_rektor.txt").write_text(
        "Intervjuer: Hva gjør skolen i Ukjentby?\nRektor: Ukjentby skole har et eget team for tidlig innsats.\n",
        encoding="utf-8")
    (root / "cases.csv").write_text(
        "file,case,kind,role,pseudonym,names\n"
        "plans/fjordvik.pdf,Fjordvik,plan,,Kommune A,Fjordvikfjellet;Bjørn Berg\n"
        "interviews/fjordvik/fjordvik_leder.docx,Fjordvik,interview,leder,Kommune A,\n"
        "interviews/Hångvik_koordinator.txt,Hångvik,interview,koordinator,Kommune B,\n", encoding="utf-8")
    names = base / "navn.txt"
    names.write_text("# personer og steder\nSolbakken = [skole]\nPer Hansen = [person]\nHansen\n", encoding="utf-8")
    return root, names


def _leaks(folder, names):
    import unicodedata

    found = []
    for where, text in every_text(folder):
        folded = unicodedata.normalize("NFC", text).casefold()
        found += [(where, name) for name in names if unicodedata.normalize("NFC", name).casefold() in folded]
    return found


@pytest.fixture(scope="module")
def pseudonymised(tmp_path_factory):
    base = tmp_path_factory.mktemp("navn")
    root, names = _named_corpus(base)
    out, cache = base / "ut", base / "cache"
    result = CliRunner().invoke(main, ["run", str(root), "--out", str(out), "--pseudonymise", "--names", str(names),
                                       "--cache", str(cache), "--jobs", "2", "--by", "document", "--silent"])
    return root, out, cache, result


def test_a_pseudonymised_run_leaves_no_name_in_any_output_file(pseudonymised):
    root, out, cache, result = pseudonymised
    assert result.exit_code == 0, result.output + repr(result.exception)
    outputs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {"documents.csv", "segments.csv", "coded_segments.csv", "word_counts.csv", "manifest.json",
            "appendix/appendix.xlsx", "appendix/appendix.docx", "exchange/project.qdpx"} <= set(outputs)
    assert any(name.endswith(".png") for name in outputs)
    assert _leaks(out, NAMES_IN_CORPUS) == []
    # the cache (outside the output folder) keeps the original texts, under names that are hashes
    entries = [p.relative_to(cache).as_posix() for p in cache.rglob("*")]
    assert entries and all(re.fullmatch(r"[0-9a-f]{2}(/[0-9a-f]{64}-[0-9a-f]{16}\.entry)?", p) for p in entries)


def test_the_pseudonyms_replace_cases_ids_and_speakers(pseudonymised):
    _, out, _, result = pseudonymised
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert [tuple(row) for row in documents[["document", "case", "kind", "status"]].itertuples(index=False)] == [
        ("Kommune A/intervju 1.docx", "Kommune A", "interview", "ok"),
        ("Kommune A/plan 1.pdf", "Kommune A", "plan", "ok"),
        ("Kommune B/intervju 1.txt", "Kommune B", "interview", "ok"),  # the decomposed name matched its row
        ("Ukjent 1/intervju 1.txt", "Ukjent 1", "interview", "ok"),
    ]
    segments = pd.read_csv(out / "segments.csv", keep_default_na=False)
    leder = segments[segments.document == "Kommune A/intervju 1.docx"]
    assert list(leder.speaker) == ["Intervjuer", "Informant", "Intervjuer", "Informant"]
    assert list(leder.text)[1] == ("Vi har tverrfaglige team. [navn] og jeg møtes hver uke på [skole].")
    assert list(leder.text)[3] == "Informant her igjen: barnehagene i Kommune A er viktige for tidlig innsats."
    plan = segments[segments.document == "Kommune A/plan 1.pdf"]
    # a speaker's name in another document too; names from cases.csv's names column and the names file
    assert list(plan.text) == ["Kommune A kommune: plan for forebygging",
                               "Kommune As barnevern samarbeider med [skole] skole, Kommune A-skolen og "
                               "helsestasjonen. [navn] leder "
                               "arbeidet sammen med [person] ved [navn] barnehage."]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["warnings"] == ["Ukjent 1/intervju 1.txt: not in cases.csv, so its case is called Ukjent 1 "
                                    "(add a row with a pseudonym)"]
    assert "warning: Ukjent 1/intervju 1.txt: not in cases.csv" in result.output
    assert manifest["command"] == "casestudy run (pseudonymised: the arguments are not recorded)"
    assert manifest["options"]["cache"] == "on" and manifest["options"]["pseudonymised"] is True
    for value in (manifest["corpus"], manifest["options"]["cases"], *(c["path"] for c in manifest["codebooks"])):
        assert not os.path.isabs(value), value
    counts = pd.read_csv(out / "word_counts.csv", keep_default_na=False)
    assert not counts.lemma.str.contains("fjordvik|hångvik|ukjentby", case=False).any()


def test_without_pseudonymise_the_names_stay_and_a_file_missing_from_cases_csv_is_a_warning(tmp_path):
    """The control of the test above (its search finds names when they are there): --no-pseudonymise keeps the
    real names, with a warning. And what the pseudonym column alone does (it pseudonymises the run, as
    --pseudonymise does): the file name in macOS form matches its composed row in cases.csv after NFC
    normalisation, and a file without a row is «Ukjent 1» with a warning."""
    import unicodedata

    root, _ = _named_corpus(tmp_path)
    result = CliRunner().invoke(main, ["ingest", str(root), "--out", str(tmp_path / "ut"), "--jobs", "1",
                                       "--silent", "--no-cache", "--no-pseudonymise"])
    assert result.exit_code == 0, result.output
    assert {"Fjordvik", "Kari", "Solbakken", "fjordvik_leder"} <= {name for _, name in _leaks(tmp_path / "ut",
                                                                                             NAMES_IN_CORPUS)}
    documents = pd.read_csv(tmp_path / "ut" / "documents.csv", keep_default_na=False)
    cases = {unicodedata.normalize("NFC", row.document): row.case for row in documents.itertuples()}
    assert cases == {"interviews/Hångvik_koordinator.txt": unicodedata.normalize("NFC", "Hångvik"),
                     "interviews/fjordvik/fjordvik_leder.docx": "Fjordvik", "interviews/ukjentby_rektor.txt": "ukjentby",
                     "plans/fjordvik.pdf": "Fjordvik"}
    assert [line for line in result.stderr.splitlines() if line.startswith("warning")] == [
        "warning: not pseudonymised (--no-pseudonymise): cases.csv gives pseudonyms, but every output holds the "
        "real case, file, speaker and listed names; do not share it"]
    result = CliRunner().invoke(main, ["ingest", str(root), "--out", str(tmp_path / "ut2"), "--jobs", "1",
                                       "--silent", "--no-cache"])
    assert result.exit_code == 0, result.output
    documents = pd.read_csv(tmp_path / "ut2" / "documents.csv", keep_default_na=False)
    assert documents[["document", "case"]].values.tolist() == [
        ["Kommune A/intervju 1.docx", "Kommune A"], ["Kommune A/plan 1.pdf", "Kommune A"],
        ["Kommune B/intervju 1.txt", "Kommune B"], ["Ukjent 1/intervju 1.txt", "Ukjent 1"]]
    assert [line for line in result.stderr.splitlines() if line.startswith("warning")] == [
        "warning: Ukjent 1/intervju 1.txt: not in cases.csv, so its case is called Ukjent 1 (add a row with a "
        "pseudonym)"]


def _small_corpus(root):
    (root / "interviews").mkdir(parents=True)
    (root / "interviews" / "a.txt").write_text(
        "Intervjuer: Hva gjør dere?\nInformant: Vi jobber med forebygging i barnehagen hver dag.\n", encoding="utf-8")
    return root


def _workbook_with_a_dtd(path, frame):
    """An XLSX file whose sheet begins with a DTD that defines entities (Excel never writes one)."""
    import io

    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
                        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' + data.split(b"?>", 1)[-1])
            target.writestr(info, data)
    return path


@contextlib.contextmanager
def _tmpfs(folder, options):
    """A small file system mounted at ``folder`` (read-only, or nearly full), or the test is skipped."""
    import subprocess

    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_human_coding_or_review_sheet_with_a_dtd_is_a_one_line_error(tmp_path):
    root = _small_corpus(tmp_path / "corpus")
    frame = pd.DataFrame({"document": ["interviews/a.txt"], "code": ["prevention"], "text": ["Vi jobber"]})
    human = _workbook_with_a_dtd(tmp_path / "human.xlsx", frame)
    result = CliRunner().invoke(main, ["agreement", str(human), str(root), "--out", str(tmp_path / "out"),
                                       "--jobs", "1", "--silent"])
    assert result.exit_code == 1 and result.exception.__class__ is SystemExit
    assert result.output.splitlines()[-1] == (
        f"Error: {human}: the human coding's part xl/worksheets/sheet1.xml holds a DTD (<!DOCTYPE>), which "
        "casestudy does not read; save the file again from Excel or LibreOffice as .xlsx")
    (tmp_path / "run" / "review").mkdir(parents=True)
    sheet = _workbook_with_a_dtd(tmp_path / "run" / "review" / "review.xlsx", frame)
    result = CliRunner().invoke(main, ["review", "import", str(sheet)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {sheet}: the review sheet's part xl/worksheets/sheet1.xml holds a DTD (<!DOCTYPE>), which "
        "casestudy does not read; save the file again from Excel or LibreOffice as .xlsx\n")


def test_out_under_a_file_is_a_one_line_error_before_reading(tmp_path):
    root = _small_corpus(tmp_path / "corpus")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(root), "--out", str(tmp_path / "notes.txt" / "out"), "--jobs", "1",
                                       "--silent"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path}/notes.txt/out: not a folder ({tmp_path}/notes.txt is a file); give "
                             "--out a folder path\n")


def test_a_read_only_output_folder_stops_the_run_before_the_corpus_is_read(tmp_path, monkeypatch):
    import casestudy.engine.reading as reading

    root = _small_corpus(tmp_path / "corpus")
    monkeypatch.setattr(reading, "find_files", lambda *a, **k: pytest.fail("the corpus was read"))
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as folder:
        result = CliRunner().invoke(main, ["run", str(root), "--out", str(folder / "out"), "--jobs", "1",
                                           "--silent"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {folder}/out: cannot write in {folder} (read-only file system); give --out a "
                             "folder you can write to\n")


@pytest.mark.parametrize("command", [
    ["ingest"], ["wordcount"], ["wordcloud"], ["code", "--codebook", "barnevern"], ["requirements"], ["profile"],
    ["discover", "--topics", "0"], ["export", "--format", "md"], ["agreement"], ["train"],
])
def test_every_command_that_writes_stops_on_a_read_only_folder_before_reading(tmp_path, monkeypatch, command):
    """Not only `run`: each command that writes checks its output folder (or the folder of its output file)
    before the corpus is read."""
    import casestudy.engine.reading as reading

    root = _small_corpus(tmp_path / "corpus")
    human = tmp_path / "human.csv"
    human.write_text("document,segment,code\nplans/a.txt,0,prevention\n", encoding="utf-8")
    monkeypatch.setattr(reading, "find_files", lambda *a, **k: pytest.fail("the corpus was read"))
    with _tmpfs(tmp_path / "ro", "ro,size=1m") as folder:
        target = folder / "out"
        name, *rest = command
        if name == "export":
            args = [name, str(root), *rest, "--out", str(target / "appendix.md")]
        elif name == "agreement":
            args = [name, str(human), str(root), "--out", str(target)]
        elif name == "train":
            args = [name, str(human), str(root), "--out", str(target)]
        else:
            args = [name, str(root), *rest, "--out", str(target)]
        result = CliRunner().invoke(main, [*args, "--jobs", "1", "--silent"])
    assert result.exit_code == 1, result.output
    assert result.output == (f"Error: {target}: cannot write in {folder} (read-only file "
                             "system); give --out a folder you can write to\n")


def test_a_full_disk_is_a_one_line_error_before_reading_and_while_writing(tmp_path, monkeypatch):
    import casestudy.output.checks as checks

    root = _small_corpus(tmp_path / "corpus")
    with _tmpfs(tmp_path / "full", "size=256k") as folder:
        command = ["run", str(root), "--out", str(folder / "out"), "--jobs", "1", "--silent", "--no-cache"]
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1
        assert result.output == (f"Error: {folder}/out: only 0 MB free on its disk (a run needs at least 64 MB); "
                                 "free some space or give --out a folder on another disk\n")
        monkeypatch.setattr(checks, "MIN_FREE_MB", 0)  # past the check: the disk fills while the run writes
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1
        assert result.output == ("Error: no space left on the disk; free some space (or give --out on another "
                                 "disk) and run again\n")
        assert sorted(p.name for p in (folder / "out").iterdir()) == [".casestudy.lock"]  # no half-written run


def test_a_246_byte_file_name_with_by_document_gives_short_output_names(tmp_path):
    root = _small_corpus(tmp_path / "corpus")
    name = "intervju_" + "å" * 116 + "a.txt"
    assert len(name.encode()) == 246
    (root / "interviews" / "a.txt").rename(root / "interviews" / name)
    result = CliRunner().invoke(main, ["run", str(root), "--out", str(tmp_path / "out"), "--by", "document",
                                       "--jobs", "1", "--silent"])
    assert result.exit_code == 0, result.output
    clouds = sorted(p.name for p in (tmp_path / "out" / "figures").glob("wordcloud_*"))
    assert len(clouds) == 1 and len(clouds[0].encode()) < 120
    assert re.fullmatch(r"wordcloud_interviews_intervju_å+_[0-9a-f]{10}\.png", clouds[0])


def test_a_docx_whose_xml_needs_more_than_the_memory_limit_is_skipped_for_memory_not_as_broken(tiny_corpus,
                                                                                             tmp_path):
    bomb = make_docx_bomb(tiny_corpus / "interviews" / "bombe.docx", tmp_path, paragraphs=2_000_000)
    assert bomb.stat().st_size < 100_000  # 12 MB of XML: some 2 million elements for libxml2 to build
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", "1", "--limit",
                                     "memory_gb=0.1,ratio=100000")
    assert code == 0
    assert ("skipped interviews/bombe.docx: needs more memory than the limit of 0.1 GB per file: if the file is "
            "genuine, raise the limit (--limit memory_gb=0.4)") in lines
    assert documents["status"].tolist() == ["skipped", "ok", "ok", "ok"]


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc/<pid>/task/<tid>/children)."""
    found, todo = [], [pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    todo += [int(child) for child in children.read().split()]
        except OSError:
            pass  # it ended meanwhile
    return found


def _tree_memory(pid: int) -> tuple[int, int]:
    """(summed resident, summed proportional) bytes of ``pid`` and its descendants; resident counts the pages
    a forked child shares with its parent in each, proportional splits them."""
    from casestudy.engine.forking import proportional_bytes, resident_bytes

    pids = _descendants(pid)
    return (sum(resident_bytes(p) or 0 for p in pids),
            sum(proportional_bytes(p) or resident_bytes(p) or 0 for p in pids))


def _run_measured(command, env) -> tuple[int, float, int, int, str]:
    """(exit code, seconds, peak summed resident bytes, peak summed proportional bytes, stderr) of
    ``command``'s whole process tree, sampled every 50 ms from a thread."""
    import subprocess
    import threading
    import time

    peaks, done = [0, 0], threading.Event()
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)

    def sample():
        while not done.is_set():
            resident, proportional = _tree_memory(process.pid)
            peaks[:] = max(peaks[0], resident), max(peaks[1], proportional)
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        stderr = process.communicate()[1]
    finally:
        done.set()
        sampler.join()
    return process.returncode, time.monotonic() - started, peaks[0], peaks[1], stderr


@pytest.mark.skipif(os.environ.get("CASESTUDY_BIG_BOMBS") != "1", reason="big files: run with make fuzz")
@needs_proc
def test_big_bombs_with_the_default_limits_cost_seconds_and_under_2_gb_over_all_processes(tiny_corpus, tmp_path):
    """The issue's own sizes: a DOCX whose document.xml inflates to 256 MB, a PDF with a 510 MB content stream,
    read at once (two jobs). Memory: the peak of the resident sizes summed over the casestudy process and all
    its children (pages they share counted in each), sampled every 50 ms."""
    import sys

    make_docx_bomb(tiny_corpus / "interviews" / "bombe.docx", tmp_path, paragraphs=256_000_000 // 6)
    make_pdf_bomb(tiny_corpus / "plans" / "bombe.pdf", 30_000_000)
    out = tmp_path / "out"
    code, seconds, resident, proportional, stderr = _run_measured(
        [sys.executable, "-m", "casestudy.cli", "ingest", str(tiny_corpus), "--out", str(out), "--no-cache",
         "--silent", "--jobs", "2"], env={**os.environ, "CASESTUDY_LIMITS": ""})
    print(f"big bombs: {seconds:.1f} s, peak summed resident {resident / 2**30:.2f} GiB, "
          f"proportional {proportional / 2**30:.2f} GiB")
    assert code == 0, stderr
    assert seconds < 60  # both bad files together, startup and the good files included
    assert resident < 2 * 2**30
    documents = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert documents[["document", "status"]].values.tolist() == [
        ["interviews/bombe.docx", "skipped"], ["interviews/testby_koord.txt", "ok"],
        ["interviews/testby_leder.docx", "ok"], ["plans/bombe.pdf", "skipped"], ["plans/testby.pdf", "ok"]]
    assert documents["reason"].tolist()[0] == (
        "part word/document.xml inflates to 256 MB, over the limit of 200 MB: if the file is genuine, raise the "
        "limit (--limit part_mb=800 or CASESTUDY_LIMITS)")
    assert documents["reason"].tolist()[3] == (
        "the reader crashed on it (killed by SIGABRT): the file is damaged or needs more memory than the limit; "
        "save it again, or raise the limit (--limit memory_gb=4)")


def _even_none_three_fails(n):
    if n == 3:
        raise ValueError("three")
    return None if n % 2 else n * 10


def test_the_worker_pool_gives_back_every_result_none_and_exceptions_included():
    from casestudy.engine.forking import WorkerPool

    with WorkerPool(2, seconds=30) as pool:
        found = dict(pool.imap_unordered(_even_none_three_fails, [(n, (n,)) for n in range(6)]))
        assert pool.call(_even_none_three_fails, (4,)) == 40  # the workers serve one call after another
    assert {n: found[n] for n in (0, 1, 2, 4, 5)} == {0: 0, 1: None, 2: 20, 4: 40, 5: None}
    assert isinstance(found[3], ValueError) and str(found[3]) == "three"


def test_a_project_with_many_sources_walks_its_member_list_once(tmp_path, monkeypatch):
    """20,000 sources took 10 s: each source's text was looked up in the whole member list."""
    from casestudy.analyses.agreement import read_coding

    n = 2_000
    sources = "".join(f'<TextSource guid="s{i}" name="d{i}.txt" plainTextPath="internal://s{i}.txt">'
                      f'<PlainTextSelection guid="p{i}" startPosition="0" endPosition="5"><Coding guid="k{i}">'
                      '<CodeRef targetGUID="c1"/></Coding></PlainTextSelection></TextSource>' for i in range(n))
    project = tmp_path / "mange.qdpx"
    with zipfile.ZipFile(project, "w") as archive:
        archive.writestr("project.qde", '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:'
                                        'project:1.0" name="p"><CodeBook><Codes><Code guid="c1" name="A" '
                                        f'isCodable="true"/></Codes></CodeBook><Sources>{sources}</Sources></Project>')
        for i in range(n):
            archive.writestr(f"Sources/s{i}.txt", f"tekst {i}")
    walks = []
    real = zipfile.ZipFile.infolist
    monkeypatch.setattr(zipfile.ZipFile, "infolist", lambda self: walks.append(1) or real(self))
    frame = read_coding(project)
    assert len(frame) == n and frame["text"].tolist()[:2] == ["tekst", "tekst"]
    assert len(walks) == 1


# The run's memory budget (limits total_gb): the process reading a corpus and its workers together.
# ---------------------------------------------------------------------------------------------------------------

def _hold(megabytes: int, seconds: float, after: float = 0) -> int:
    """Take ``megabytes`` of memory (every page touched) ``after`` seconds, hold them ``seconds``, give back how
    many."""
    import time

    time.sleep(after)
    block = bytearray(megabytes * 2**20)
    block[::4096] = b"\1" * len(range(0, len(block), 4096))
    time.sleep(seconds)
    return megabytes


@needs_proc
def test_past_the_memory_budget_the_pool_stops_the_worker_that_grew_most_and_the_other_item_is_done():
    from casestudy.engine.forking import WorkerDied, WorkerPool, resident_bytes

    budget = resident_bytes(os.getpid()) + 550 * 2**20  # room for either item (400 or 300 MB), not for both
    with WorkerPool(2, seconds=60, total_bytes=budget) as pool:
        # the small one comes second (a worker that has grown most at the moment the sum passes is stopped)
        found = dict(pool.imap_unordered(_hold, [("big", (400, 4)), ("small", (300, 3, 1))]))
        assert pool.call(_hold, (1, 0)) == 1  # the stopped worker's place is taken
    assert found["small"] == 300
    assert isinstance(found["big"], WorkerDied) and (found["big"].over_budget, found["big"].others) == (True, 1)
    assert str(found["big"]) == f"stopped: the processes passed their memory budget of {budget / 2**30:.3g} GB"


@needs_proc
def test_a_main_process_over_the_budget_never_gets_a_worker_stopped_that_grew_less_than_the_floor():
    from casestudy.engine.forking import GROWTH_FLOOR, WorkerPool

    assert GROWTH_FLOOR == 256 * 2**20
    with WorkerPool(2, seconds=60, total_bytes=1) as pool:  # this process alone is over the budget
        found = dict(pool.imap_unordered(_hold, [(1, (200, 0.5)), (2, (200, 0.5))]))
    assert found == {1: 200, 2: 200}


@needs_proc
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_that_takes_the_run_past_its_memory_budget_is_skipped_and_the_run_goes_on(tiny_corpus, tmp_path,
                                                                                      monkeypatch, jobs):
    """Two jobs: the file is the largest, so the child that reads while the pipeline loads takes it first."""
    import math
    import time

    from casestudy.engine import reading
    from casestudy.engine.forking import resident_bytes

    reading.warm_up()
    total_gb = math.ceil((resident_bytes(os.getpid()) + 400 * 2**20) / 2**30 * 100) / 100
    real_warm_up = reading.warm_up
    monkeypatch.setattr(reading, "warm_up", lambda *a, **k: time.sleep(2) or real_warm_up(*a, **k))
    make_pdf(tiny_corpus / "plans" / "stor.pdf", [[f"Side {n}: forebygging."] for n in range(40)])
    _hooked_reader(monkeypatch, "stor.pdf", lambda: _hold(900, 20))
    started = time.monotonic()
    code, lines, documents = _ingest(tiny_corpus, tmp_path / "out", "--jobs", jobs, "--limit", f"total_gb={total_gb}")
    assert time.monotonic() - started < 15  # stopped, not held for 20 s
    assert code == 0
    assert (f"skipped plans/stor.pdf: reading it took the run past its memory budget of {total_gb:g} GB: if the file "
            f"is genuine, raise the limit (--limit total_gb={total_gb * 2:g})") in lines
    assert documents[["document", "status"]].values.tolist() == [
        ["interviews/testby_koord.txt", "ok"], ["interviews/testby_leder.docx", "ok"], ["plans/stor.pdf", "skipped"],
        ["plans/testby.pdf", "ok"]]


def test_the_memory_budget_is_a_limit_like_the_others(limits_restored, monkeypatch):
    assert limits_restored.current().total_gb == 2
    assert limits_restored.parse_settings(["total_gb=3"]) == {"total_gb": 3.0}
    monkeypatch.setenv("CASESTUDY_LIMITS", "total_gb=0.5")
    limits_restored.reset()
    assert limits_restored.current().total_gb == 0.5
