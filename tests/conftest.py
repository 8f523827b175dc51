"""Fixtures that build small source files (PDF, DOCX, TXT) for the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FONT_DIR = None


def _fonts():
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return base / "DejaVuSans.ttf", base / "DejaVuSans-Bold.ttf"


def make_pdf(path, pages, *, header=None, footer=True, body_size=11, encrypt=None, user_password=None):
    """Write a PDF: ``pages`` is a list of pages, each a list of lines; a line starting with '# '
    is a 16 pt bold heading, one starting with '** ' is bold at the body size, and an empty line
    leaves a paragraph gap. Returns the path."""
    from fpdf import FPDF

    regular, bold = _fonts()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("dv", "", str(regular))
    pdf.add_font("dv", "B", str(bold))
    pdf.set_creation_date(__import__("datetime").datetime(2024, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    if encrypt is not None:
        pdf.set_encryption(owner_password=encrypt, user_password=user_password or "")
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.set_font("dv", size=9)
            pdf.set_xy(20, 10)
            pdf.cell(0, 5, header)
        pdf.set_xy(20, 25)
        for line in lines:
            if line.startswith("# "):
                pdf.set_font("dv", "B", size=16)
                pdf.cell(0, 10, line[2:], new_x="LMARGIN", new_y="NEXT")
            elif not line:
                pdf.ln(6)
            else:
                bold, line = (True, line[3:]) if line.startswith("** ") else (False, line)
                pdf.set_font("dv", "B" if bold else "", size=body_size)
                pdf.set_x(20)
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        if footer:
            pdf.set_font("dv", size=9)
            pdf.set_xy(20, 285)
            pdf.cell(0, 5, f"Side {number} av {len(pages)}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return Path(path)


def make_image_pdf(path):
    """A PDF with a drawing but no text layer (like a scan)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")
    pdf.output(str(path))
    return Path(path)


def make_docx(path, paragraphs, *, bold_labels=True):
    """Write a DOCX: each paragraph 'Label: text' gets its label as a bold run when ``bold_labels``."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        p = document.add_paragraph()
        label, sep, rest = paragraph.partition(":")
        if sep and bold_labels and len(label) < 45:
            p.add_run(label + ":").bold = True
            p.add_run(rest)
        else:
            p.add_run(paragraph)
    document.save(str(path))
    return Path(path)


@pytest.fixture
def tiny_corpus(tmp_path):
    """Two interviews and one plan, with cases.csv."""
    root = tmp_path / "corpus"
    (root / "plans").mkdir(parents=True)
    (root / "interviews").mkdir()
    make_pdf(root / "plans" / "testby.pdf", [["# 1 Mål", "Kommunen skal styrke forebyggingen for barna."]])
    make_docx(root / "interviews" / "testby_leder.docx", [
        "Intervjuer: Hva betyr forebygging for dere?",
        "Informant (barnevernleder): Forebygging handler om barna og familiene.",
        "Barna må få hjelp tidlig.",
        "Intervjuer: Og barnehagen?",
        "Informant (barnevernleder): Barnehagen ser barna hver dag.",
    ])
    (root / "interviews" / "testby_koord.txt").write_text(
        "I: Hvordan samarbeider tjenestene?\nKoordinator: Tjenestene samarbeider godt om barna.\n", encoding="utf-8"
    )
    (root / "cases.csv").write_text(
        "file,case,kind,role,region,size_class\n"
        "plans/testby.pdf,Testby,plan,,Vest,3\n"
        "interviews/testby_leder.docx,Testby,interview,barnevernleder,Vest,3\n"
        "interviews/testby_koord.txt,Testby,interview,koordinator,Vest,3\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="session", autouse=True)
def _cache_folder(tmp_path_factory):
    """The commands' default cache folder, one per test session (never the user's own)."""
    os.environ["CASESTUDY_CACHE"] = str(tmp_path_factory.mktemp("casestudy-cache"))


@pytest.fixture(autouse=True)
def _no_tty_progress(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    os.environ.setdefault("MPLBACKEND", "Agg")


def every_text(folder):
    """(where, text) for every file below ``folder`` and for its path: ZIP-based files (XLSX, DOCX, QDPX)
    unzipped member by member (their member names too), PNG and other binary files as their bytes decoded
    loosely (their metadata chunks are text). For the tests that search every output for a name."""
    import io
    import zipfile

    def members(name, data):
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    yield from members(f"{name}!{info.filename}", archive.read(info))
                    yield f"{name}!{info.filename} (name)", info.filename
        else:
            yield name, data.decode("utf-8", "replace") + "\n" + data.decode("latin-1")

    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield from members(str(path.relative_to(folder)), path.read_bytes())
        yield f"{path.relative_to(folder)} (path)", str(path.relative_to(folder))
