"""Render the demo corpus (plan PDFs, interview DOCX files, cases.csv) from its sources.

The sources under ``scripts/demo_src/`` are human-editable: plans in a tiny markdown
dialect (``plans/<slug>.md``), transcripts as plain text (``interviews/<id>.txt``).
The output is byte-reproducible, so the committed corpus only changes when a
source or this script changes.

Usage::

    python scripts/make_demo_corpus.py [--src scripts/demo_src] [--out corpus]

Plan source dialect (shared with the benchmark's held-out plans)::

    ---
    title: Plan for forebyggende arbeid for barn og unge 2024–2027
    municipality: Fjordvik kommune
    header: Fjordvik kommune – Plan for forebyggende arbeid
    subtitle: Barnevernloven § 15-1            (optional, title page)
    adopted: Vedtatt i kommunestyret …          (optional, title page)
    ---
    # 1 Innledning          level-1 heading
    ## 1.1 Formål           level-2 heading
    One line per paragraph; fore~bygging marks a hyphenation point.
    - a bullet item
    | a | table |           first row is the header, then |---|---|
    <<<page>>>              forced page break

The functions ``parse_plan_source``, ``write_plan_pdf``, ``parse_interview_source``
and ``write_interview_docx`` are imported by the benchmark generator.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

FIXED_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
PAGE_BREAK = "<<<page>>>"
HYPHEN_HINT = "~"

# Attributes of the six fictional municipalities (all names are invented, so the demo keeps them: a
# cases.csv with a 'pseudonym' column would make every run of the demo pseudonymised, with document ids
# like «Kommune 1/plan 1.pdf»; README's Reliability and safety shows pseudonyms instead).
# size_class: Statistics Norway's size classes by population.
MUNICIPALITIES = {
    "fjordvik": dict(case="Fjordvik", region="Vest", size_class="4", inter_municipal="nei", year="2024"),
    "haugbakken": dict(case="Haugbakken", region="Øst", size_class="6.1", inter_municipal="nei", year="2025"),
    "lauvdal": dict(case="Lauvdal", region="Midt", size_class="3", inter_municipal="ja", year="2024"),
    "nordheim": dict(case="Nordheim", region="Sør", size_class="5.1", inter_municipal="nei", year="2025"),
    "storeng": dict(case="Storeng", region="Nord", size_class="2", inter_municipal="ja", year="2025"),
    "vesteroy": dict(case="Vesterøy", region="Vest", size_class="1", inter_municipal="ja", year="2024"),
}
CASES_COLUMNS = ["file", "case", "kind", "role", "region", "size_class", "inter_municipal", "year"]
ROLES = ("barnevernleder", "koordinator")


# --------------------------------------------------------------------------- plans


def parse_plan_source(text: str) -> dict:
    """Parse a plan source into ``{"title", "municipality", "header", "meta", "blocks"}``.

    ``meta`` holds every front-matter key. Each block is a dict with ``kind``:
    ``heading`` (``level``, ``text``), ``paragraph`` (``text``), ``bullet``
    (``text``), ``table`` (``rows``; the first row is the header) or ``pagebreak``.
    Text keeps its ``~`` hyphenation hints; the renderer resolves them.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    meta: dict[str, str] = {}
    i = 0
    if lines and lines[0].strip() == "---":
        i = 1
        while i < len(lines) and lines[i].strip() != "---":
            key, sep, value = lines[i].partition(":")
            if sep:
                meta[key.strip()] = value.strip()
            elif lines[i].strip():
                raise ValueError(f"front matter line {i + 1}: expected 'key: value', got {lines[i]!r}")
            i += 1
        if i == len(lines):
            raise ValueError("front matter: missing closing '---'")
        i += 1
    for key in ("title", "municipality", "header"):
        if key not in meta:
            raise ValueError(f"front matter: missing {key!r}")

    blocks: list[dict] = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if para:
            blocks.append({"kind": "paragraph", "text": " ".join(para)})
            para.clear()
        if table:
            blocks.append({"kind": "table", "rows": [row[:] for row in table]})
            table.clear()

    for raw in lines[i:]:
        line = raw.strip()
        if not line:
            flush()
        elif line == PAGE_BREAK:
            flush()
            blocks.append({"kind": "pagebreak"})
        elif line.startswith("|"):
            if para:
                flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                continue  # header separator row
            table.append(cells)
        elif m := re.match(r"(#{1,2})\s+(.*)", line):
            flush()
            blocks.append({"kind": "heading", "level": len(m.group(1)), "text": m.group(2).strip()})
        elif line.startswith("- "):
            flush()
            blocks.append({"kind": "bullet", "text": line[2:].strip()})
        else:
            if table:
                flush()
            para.append(line)
    flush()
    return {
        "title": meta["title"],
        "municipality": meta["municipality"],
        "header": meta["header"],
        "meta": meta,
        "blocks": blocks,
    }


def _plain(text: str) -> str:
    return text.replace(HYPHEN_HINT, "")


_WIDTHS: dict[tuple, dict[str, float]] = {}


def _wrap(width_of, text: str, width: float) -> list[str]:
    """Greedy line breaking that hyphenates at ``~`` hints when a word meets the margin.

    Each word's width is measured once (cached per font): a line's width is the sum of its
    words' and spaces' widths, as fpdf2 does no kerning here.
    """
    pdf = width_of.__self__
    cache = _WIDTHS.setdefault((pdf.font_family, pdf.font_style, pdf.font_size_pt), {})

    def w(s: str) -> float:
        value = cache.get(s)
        if value is None:
            value = cache[s] = width_of(s)
        return value

    plain, hint = _plain, HYPHEN_HINT
    space = w(" ")
    lines: list[str] = []
    current, current_w = "", 0.0
    words: list[str] = []
    for word in text.split():
        if words and words[-1] in ("§", "§§"):  # keep "§ 15-1" on one line
            words[-1] += " " + word
        else:
            words.append(word)
    for word in words:
        rest = word
        while rest:
            rest_w = w(plain(rest))
            candidate_w = rest_w if not current else current_w + space + rest_w
            if candidate_w <= width:
                current = plain(rest) if not current else f"{current} {plain(rest)}"
                current_w, rest = candidate_w, ""
                break
            parts = rest.split(hint)
            for k in range(len(parts) - 1, 0, -1):  # longest prefix that fits first
                head = "".join(parts[:k]) + "-"
                head_w = w(head) if not current else current_w + space + w(head)
                if head_w <= width:
                    lines.append(head if not current else f"{current} {head}")
                    current, current_w, rest = "", 0.0, hint.join(parts[k:])
                    break
            else:
                if current:
                    lines.append(current)
                    current, current_w = "", 0.0
                else:  # a word wider than the line: let it overflow
                    current, current_w, rest = plain(rest), rest_w, ""
    if current:
        lines.append(current)
    return lines


def _font_paths() -> tuple[Path, Path]:
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ttf / "DejaVuSans.ttf", ttf / "DejaVuSans-Bold.ttf"


def write_plan_pdf(plan: dict, path, *, seed: int = 0) -> dict:
    """Render a parsed plan to a PDF at ``path``; return page numbers per block.

    ``seed=0`` gives the canonical layout (the one the ground truth describes);
    other seeds jitter margins and spacing, for benchmark variants. Returns
    ``{"pages": n, "block_pages": [(first, last) or None, ...]}`` with 1-based
    PDF page numbers (page 1 is the title page), one entry per block.
    """
    from fpdf import FPDF

    rng = random.Random(seed)
    jitter = (lambda lo, hi, base: base) if seed == 0 else (lambda lo, hi, base: round(rng.uniform(lo, hi), 1))
    left = jitter(18, 30, 25.0)
    right = jitter(15, 25, 20.0)
    line_h = jitter(5.0, 6.2, 5.6)
    para_gap = jitter(1.0, 4.0, 2.5)
    header_text = _plain(plan["header"])

    class PlanPDF(FPDF):
        def header(self):
            if self.page_no() == 1:
                return
            self.set_font("DejaVu", "", 8.5)
            self.set_text_color(90, 90, 90)
            self.set_xy(self.l_margin, 10)
            self.cell(self.epw, 5, header_text, align="L")
            self.set_draw_color(150, 150, 150)
            self.line(self.l_margin, 16, self.w - self.r_margin, 16)
            self.set_text_color(0, 0, 0)
            self.set_xy(self.l_margin, 24)

        def footer(self):
            if self.page_no() == 1:
                return
            self.set_y(-14)
            self.set_font("DejaVu", "", 8.5)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, f"Side {self.page_no()} av {{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    pdf = PlanPDF(format="A4", unit="mm")
    regular, bold = _font_paths()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(left, 24, right)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(_plain(plan["title"]))
    pdf.set_author(_plain(plan["municipality"]))
    pdf.set_subject("Plan for forebyggende arbeid, barnevernloven § 15-1")
    pdf.set_creator("casestudy demo corpus")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_lang("nb")

    # Title page
    meta = plan["meta"]
    pdf.add_page()
    def centred(text: str, style: str, size: float, height: float) -> None:
        pdf.set_font("DejaVu", style, size)
        for line in _wrap(pdf.get_string_width, _plain(text), pdf.epw):
            pdf.cell(pdf.epw, height, line, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(70)
    centred(plan["title"], "B", 24, 11)
    pdf.ln(6)
    if meta.get("subtitle"):
        centred(meta["subtitle"], "", 14, 7)
        pdf.ln(4)
    pdf.ln(20)
    centred(plan["municipality"], "B", 18, 9)
    for key in ("period", "adopted"):
        if meta.get(key):
            pdf.ln(4)
            centred(meta[key], "", 12, 6)

    def room(height: float) -> None:
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()

    def write_lines(lines: list[str], height: float, indent: float = 0.0, first_prefix: str = "") -> None:
        for n, text in enumerate(lines):
            room(height)
            pdf.set_x(pdf.l_margin + (0 if (n == 0 and first_prefix) else indent))
            if n == 0 and first_prefix:
                pdf.cell(indent, height, first_prefix)
            pdf.cell(pdf.epw - indent, height, text, new_x="LMARGIN", new_y="NEXT")

    block_pages: list[tuple[int, int] | None] = []
    started = False
    previous = None
    for block in plan["blocks"]:
        kind = block["kind"]
        if previous == "bullet" and kind != "bullet" and pdf.get_y() > pdf.t_margin + 1:
            pdf.ln(para_gap)
        previous = kind
        if kind == "pagebreak":
            pdf.add_page()
            started = True
            block_pages.append(None)
            continue
        if not started:
            pdf.add_page()
            started = True
        first = None
        if kind == "heading":
            size, height = (16, 8) if block["level"] == 1 else (13, 6.5)
            pdf.set_font("DejaVu", "B", size)
            lines = _wrap(pdf.get_string_width, block["text"], pdf.epw)
            top_gap = 5 if block["level"] == 1 else 3
            # keep a heading with at least three lines of what follows
            room(top_gap + height * len(lines) + 3 * line_h)
            if pdf.get_y() > pdf.t_margin + 1:
                pdf.ln(top_gap)
            first = pdf.page_no()
            write_lines(lines, height)
            pdf.ln(1.5)
        elif kind in ("paragraph", "bullet"):
            pdf.set_font("DejaVu", "", 11)
            indent = 6.0 if kind == "bullet" else 0.0
            lines = _wrap(pdf.get_string_width, block["text"], pdf.epw - indent)
            room(line_h)
            first = pdf.page_no()
            write_lines(lines, line_h, indent, "•" if kind == "bullet" else "")
            pdf.ln(para_gap if kind == "paragraph" else 0.8)
        elif kind == "table":
            rows = [[_plain(c) for c in row] for row in block["rows"]]
            ncol = max(len(r) for r in rows)
            rows = [r + [""] * (ncol - len(r)) for r in rows]
            # every column gets its longest word (headers in bold); the rest of the
            # width goes to the columns with the most text
            pdf.set_font("DejaVu", "B", 9.5)
            minimum = [max(pdf.get_string_width(w) for w in (rows[0][c].split() or [""])) for c in range(ncol)]
            pdf.set_font("DejaVu", "", 9.5)
            for c in range(ncol):
                body = [w for r in rows[1:] for w in r[c].split()] or [""]
                minimum[c] = max(minimum[c], max(pdf.get_string_width(w) for w in body)) + 3.5
            desire = [sum(pdf.get_string_width(r[c]) for r in rows[1:]) / max(len(rows) - 1, 1) + 3.5 for c in range(ncol)]
            spare = pdf.epw - sum(minimum)
            extra = [max(d - m, 0.0) for d, m in zip(desire, minimum)]
            if spare > 0 and sum(extra) > 0:
                weight = [m + spare * e / sum(extra) for m, e in zip(minimum, extra)]
            else:
                weight = minimum
            room(4 * line_h)
            first = pdf.page_no()
            with pdf.table(
                col_widths=weight,
                text_align="LEFT",
                line_height=4.8,
                first_row_as_headings=True,
                padding=1.2,
            ) as table:
                for r in rows:
                    row = table.row()
                    for cell in r:
                        row.cell(cell)
            pdf.ln(para_gap + 1)
        else:
            raise ValueError(f"unknown block kind {kind!r}")
        block_pages.append((first, pdf.page_no()))

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = pdf.page_no()
    pdf.output(str(path))
    return {"pages": pages, "block_pages": block_pages}


# --------------------------------------------------------------------------- interviews

LABEL_RE = re.compile(r"^(Intervjuer|Informant(?:\s*\d+)?(?:\s*\([^)]*\))?|I)\s*:\s*(.*)$", re.S)


def parse_interview_source(text: str) -> list[tuple[str | None, str]]:
    """Split a transcript into ``(label, paragraph)`` pairs; ``label`` is None for continuations.

    Paragraphs are separated by blank lines; a paragraph that starts with a
    speaker label and a colon (``Intervjuer:``, ``Informant (koordinator):``)
    begins a turn.
    """
    turns: list[tuple[str | None, str]] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        paragraph = " ".join(line.strip() for line in chunk.strip().split("\n")).strip()
        if not paragraph:
            continue
        m = LABEL_RE.match(paragraph)
        if m:
            turns.append((m.group(1), m.group(2).strip()))
        else:
            if not turns:
                raise ValueError(f"transcript starts without a speaker label: {paragraph[:60]!r}")
            turns.append((None, paragraph))
    return turns


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and order, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_interview_docx(turns, path, *, title: str | None = None) -> None:
    """Write transcript turns to a DOCX: a bold ``Label:`` run, then the text; continuations plain."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    naive = FIXED_DATE.replace(tzinfo=None)
    props.author = "casestudy demo"
    props.last_modified_by = "casestudy demo"
    props.created = naive
    props.modified = naive
    props.last_printed = naive
    props.revision = 1
    props.title = title or "Intervju"
    props.subject = "Demokorpus, fiktivt intervju"
    props.keywords = "casestudy demo"
    props.comments = "Fiktivt intervju skrevet for casestudy sitt demokorpus."
    props.category = ""
    for label, text in turns:
        paragraph = doc.add_paragraph()
        if label:
            paragraph.add_run(f"{label}:").bold = True
            paragraph.add_run(f" {text}")
        else:
            paragraph.add_run(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_zip(buffer.getvalue()))


# --------------------------------------------------------------------------- corpus


def build_corpus(src: Path, out: Path) -> list[dict]:
    """Render every source under ``src`` into ``out`` and write ``out/cases.csv``; return its rows."""
    rows: list[dict] = []
    for source in sorted((src / "plans").glob("*.md")):
        slug = source.stem
        plan = parse_plan_source(source.read_text(encoding="utf-8"))
        info = write_plan_pdf(plan, out / "plans" / f"{slug}.pdf")
        attrs = MUNICIPALITIES.get(slug, dict(case=slug.capitalize()))
        rows.append({**attrs, "file": f"plans/{slug}.pdf", "kind": "plan", "role": ""})
        print(f"plans/{slug}.pdf: {info['pages']} pages")
    for source in sorted((src / "interviews").glob("*.txt")):
        ident = source.stem
        slug, _, role = ident.rpartition("_")
        if role not in ROLES:
            slug, role = ident, ""
        attrs = MUNICIPALITIES.get(slug, dict(case=slug.capitalize()))
        turns = parse_interview_source(source.read_text(encoding="utf-8"))
        title = f"Intervju med {role or 'informant'}, {attrs['case']}"
        write_interview_docx(turns, out / "interviews" / f"{ident}.docx", title=title)
        words = sum(len(text.split()) for _, text in turns)
        rows.append({**attrs, "file": f"interviews/{ident}.docx", "kind": "interview", "role": role})
        print(f"interviews/{ident}.docx: {len(turns)} paragraphs, {words} words")
    with open(out / "cases.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CASES_COLUMNS, lineterminator="\n", restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in CASES_COLUMNS})
    return rows


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, default=root / "scripts" / "demo_src", help="source folder (default scripts/demo_src)")
    parser.add_argument("--out", type=Path, default=root / "corpus", help="corpus folder to write (default corpus)")
    args = parser.parse_args(argv)
    if not (args.src / "plans").is_dir() and not (args.src / "interviews").is_dir():
        parser.error(f"--src {args.src}: no plans/ or interviews/ folder there")
    build_corpus(args.src, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
