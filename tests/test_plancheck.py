from pathlib import Path

import pandas as pd
import pytest

from casestudy import read_corpus
from casestudy.codebook import load_codebook
from casestudy.analyses.plancheck import assess, is_definition, status_for
from casestudy.codebook import DEFAULT_RULE

from conftest import _fonts, make_image_pdf, make_pdf

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def checklist():
    return load_codebook(ROOT / "codebooks" / "krav_15-1.yaml")


def _compare(folder, truth_file, checklist, tmp_path_factory):
    corpus = read_corpus(folder, cache=tmp_path_factory.mktemp("cache"))
    result = assess(corpus, checklist).requirements
    result["stem"] = result["document"].str.split("/").str[-1].str.removesuffix(".pdf")
    truth = pd.read_csv(truth_file, dtype=str).fillna("")
    return result.merge(truth, left_on=["stem", "requirement"], right_on=["document", "requirement"],
                        suffixes=("", "_truth"))


def test_demo_plans_statuses_and_pages(checklist, tmp_path_factory):
    merged = _compare(ROOT / "corpus", ROOT / "tests/data/demo_requirements_truth.csv", checklist, tmp_path_factory)
    assert len(merged) == 24
    assert merged["status"].tolist() == merged["status_truth"].tolist()
    found = merged[merged.status_truth.isin(["met", "partial"])]
    best_pages = found["best_evidence"].str.extract(r"\(s\. (\d+)\)$")[0]
    on_truth = [page in truth.split(";") for page, truth in zip(best_pages, found["pages_truth"])]
    overlap = [bool(set(p.split(";")) & set(t.split(";"))) for p, t in zip(found["pages"], found["pages_truth"])]
    misses = found.loc[[not ok for ok in on_truth], ["stem", "requirement", "pages", "pages_truth"]]
    print(f"\nbest evidence on a truth page: {sum(on_truth)}/{len(found)}; misses:\n{misses}")
    assert sum(on_truth) == 21  # measured: 21 of 21 (19 with the scored rule of checklist version 1)
    assert sum(overlap) >= 20


def test_heldout_plans_agreement(checklist, tmp_path_factory):
    """Plans in another style, kept aside while tuning: the honest estimate (9 of 12 when measured)."""
    merged = _compare(ROOT / "tests/data/heldout_plans", ROOT / "tests/data/heldout_requirements_truth.csv",
                      checklist, tmp_path_factory)
    agreement = (merged["status"] == merged["status_truth"]).mean()
    print(f"\nheld-out agreement {agreement:.2f}\n{merged[['stem', 'requirement', 'status', 'status_truth']]}")
    assert len(merged) == 12
    assert agreement >= 0.75


@pytest.mark.parametrize(
    "kinds, general, min_kinds, status",
    [(1, False, 1, "met"), (2, True, 2, "met"), (1, True, 2, "partial"), (1, False, 2, "partial"),
     (0, True, 1, "partial"), (0, False, 1, "missing")],
)
def test_status_rule(kinds, general, min_kinds, status):
    rule = dict(DEFAULT_RULE, met={"min_kinds": min_kinds})
    assert status_for(kinds, general, rule) == status


PLAN = [
    ["# Plan for forebyggende arbeid 2024–2027", "Vedtatt i kommunestyret 29.05.2024, sak 30/24."],
    ["# 1 Begreper", "Omsorgssvikt er når barnet ikke får den omsorgen det trenger.",
     "Tidlig innsats betyr å gi hjelp tidlig i livet og tidlig i utviklingen av et problem."],
    ["# 2 Ansvarsfordeling", "Helsestasjonen har ansvar for foreldreveiledning og hjemmebesøk til alle nyfødte.",
     "Barnehagen har ansvar for å fange opp barn som strever, og PPT skal veilede barnehagene."],
]


def test_headings_detected_on_generated_pdf_and_r2_evidence_page(tmp_path, checklist):
    make_pdf(tmp_path / "plans" / "testby.pdf", PLAN, header="Testby kommune")
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    doc = corpus["plans/testby.pdf"]
    assert [(s.text, s.page) for s in doc.segments if s.heading] == [
        ("Plan for forebyggende arbeid 2024–2027", 1), ("1 Begreper", 2), ("2 Ansvarsfordeling", 3)]
    result = assess(corpus, checklist)
    row = result.requirements.set_index("requirement").loc["R2"]
    assert row["pages"] == "3"
    assert row["best_evidence"].endswith("(s. 3)")
    # definitions are not evidence: nothing on page 2 counts for any requirement
    assert 2 not in set(result.evidence["page"].dropna())


@pytest.mark.parametrize("text, expected", [
    ("Med forebygging menes å gi hjelp før vanskene vokser.", True), ("Omsorgssvikt DEFINERES som …", True),
    ("Førebygging vert definert som arbeid på tvers.", True), ("Med tiltak meiner vi alt kommunen gjer.", True),
    ("Med tidlig innsats menes …", False),  # one word between 'med' and 'menes', as the rule has it
    ("Med barna i sentrum skal tjenestene samarbeide.", False), ("Planen definisjoner-liste", False),
    ("Kommunen forstår behovet.", False), ("forſtås", True),
])
def test_definition_sentences(text, expected):
    assert is_definition(text) is expected


def test_plan_without_text_layer_is_not_assessed(tmp_path, checklist):
    make_image_pdf((tmp_path / "plans").mkdir() or tmp_path / "plans" / "scan.pdf")
    make_pdf(tmp_path / "plans" / "ok.pdf", PLAN)
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    result = assess(corpus, checklist).requirements
    scan = result[result.document == "plans/scan.pdf"]
    assert scan["status"].tolist() == ["not_assessed"] * 4
    assert set(scan["reason"]) == {"no text layer (scanned or image-only PDF): run OCR first, e.g. ocrmypdf"}


# ---------------------------------------------------------------------------------------------------------------
# Status from kinds of evidence: invariants (the texts are our own paraphrases of how real plans put things)
# ---------------------------------------------------------------------------------------------------------------

def _check_texts(tmp_path, checklist, plans: dict[str, list[str]]):
    """Assess plain-text plans (one paragraph per line): requirement rows and evidence rows."""
    folder = tmp_path / "plans"
    folder.mkdir(exist_ok=True)
    for name, paragraphs in plans.items():
        (folder / f"{name}.txt").write_text("\n".join(paragraphs) + "\n", encoding="utf-8")
    result = assess(read_corpus(tmp_path, jobs=1, cache=None), checklist)
    return result.requirements, result.evidence


CONCRETE = [
    "Mål",
    "Innen 2027 skal andelen elever som trives på skolen, øke til 90 prosent.",
    "Helsestasjonen har ansvar for hjemmebesøk til alle nyfødte, og skolen har ansvar for å følge opp fravær.",
    "Kommunalsjef for oppvekst leder arbeidet med planen. Planen rulleres årlig og legges fram for kommunestyret.",
    "Tverrfaglig team med helsesykepleier, PPT og barneverntjenesten møtes hver måned på hver skole.",
]


def test_duplicated_text_keeps_every_status(tmp_path, checklist):
    requirements, _ = _check_texts(tmp_path, checklist, {"once": CONCRETE, "twice": CONCRETE + CONCRETE,
                                                         "thin": ["Tjenestene skal samarbeide godt."],
                                                         "thin_twice": ["Tjenestene skal samarbeide godt."] * 6})
    status = requirements.set_index(["document", "requirement"])["status"]
    assert status["plans/once.txt"].tolist() == ["met", "met", "met", "met"]
    assert status["plans/twice.txt"].tolist() == status["plans/once.txt"].tolist()
    assert status["plans/thin.txt"].tolist() == ["missing", "missing", "missing", "partial"]
    assert status["plans/thin_twice.txt"].tolist() == status["plans/thin.txt"].tolist()


NOT_EVIDENCE = {
    "law_nb": ["Etter barnevernloven § 15-1 skal kommunestyret selv vedta en plan for det forebyggende arbeidet.",
               "Planen skal gjøre rede for målene, hvordan ansvaret og oppgavene er fordelt mellom tjenestene, "
               "hvordan arbeidet er organisert og hvordan tjenestene skal samarbeide."],
    "law_nn": ["Kommunestyret skal sjølv vedta ein plan for det førebyggjande arbeidet etter barnevernslova.",
               "Planen skal omtale måla for arbeidet, korleis ansvaret og oppgåvene er fordelte mellom tenestene, "
               "korleis arbeidet er organisert og korleis tenestene skal samarbeide."],
    "making": ["Planen er utarbeidet av en arbeidsgruppe med representanter fra helsestasjonen, skolen, PPT og "
               "barneverntjenesten, som har møttes hver måned siden høsten.",
               "Forslaget sendes på høring, og innspill til mål og samarbeid kan sendes kommunen innen fristen."],
    "contents": ["Innhold", "1 Innledning 3 2 Mål og strategier 4 3 Ansvar og oppgaver 6 4 Samarbeid 8",
                 "5 Organisering og oppfølging ........ 10"],
}


def test_law_contents_and_plan_making_are_not_evidence(tmp_path, checklist):
    requirements, evidence = _check_texts(tmp_path, checklist, NOT_EVIDENCE)
    assert requirements["status"].tolist() == ["missing"] * 16
    assert evidence.empty


def test_labels_and_fora_with_participants_are_concrete(tmp_path, checklist):
    requirements, evidence = _check_texts(tmp_path, checklist, {"labels": [
        "Ansvarlig: helsesykepleier og kontaktlærer.",
        "Tverrfaglig team: barnehage, helsestasjon og PPT, én gang i måneden, styrer kaller inn.",
    ]})
    found = requirements.set_index("requirement")
    assert found["status"].tolist() == ["missing", "met", "partial", "met"]
    assert found.loc["R2", "kinds"] == "tjeneste_med_ansvar"
    assert found.loc["R3", "kinds"] == "forum_med_leder"
    assert found.loc["R3", "reason"] == "1 of 2 kinds of concrete evidence"
    assert found.loc["R4", "kinds"] == "forum_med_deltakere;forum_med_hyppighet"
    assert evidence[["requirement", "kind", "segment"]].values.tolist() == [
        ["R2", "tjeneste_med_ansvar", 0], ["R3", "forum_med_leder", 1], ["R4", "forum_med_deltakere", 1],
        ["R4", "forum_med_hyppighet", 1]]


def test_goal_heading_with_sentences_under_it_is_met(tmp_path, checklist):
    make_pdf(tmp_path / "plans" / "kort.pdf", [[
        "# Mål", "Barn og unge i Testby skal vokse opp trygt og få hjelp når de trenger det.",
        "", "Familier skal oppleve at hjelpen er lett å finne.",
    ]])
    found = assess(read_corpus(tmp_path, jobs=1, cache=None), checklist).requirements.set_index("requirement")
    assert found.loc["R1", ["status", "kinds", "pages"]].tolist() == ["met", "mål_overskrift", "1"]


def make_table_pdf(path, intro: str, rows: list[list[str]], *, rows_on_second_page: int = 0):
    """A PDF with a paragraph and a ruled table (first row the header); ``rows_on_second_page`` of the
    rows go on a second page under a repeated header, as a table that runs over a page break."""
    from fpdf import FPDF

    regular, bold = _fonts()
    pdf = FPDF(format="A4")
    pdf.add_font("dv", "", str(regular))
    pdf.add_font("dv", "B", str(bold))
    header, body = rows[0], rows[1:]
    split = len(body) - rows_on_second_page
    for number, part in enumerate((body[:split], body[split:])):
        if number and not part:
            break
        pdf.add_page()
        pdf.set_font("dv", size=11)
        if number == 0:
            pdf.multi_cell(0, 6, intro, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        with pdf.table() as table:
            for row in [header] + part:
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return Path(path)


def test_table_rows_keep_their_column_headers(tmp_path, checklist):
    make_table_pdf(tmp_path / "plans" / "tiltak.pdf", "Tabellen viser tiltakene i planperioden.", [
        ["Tiltak", "Ansvar", "Tid"],
        ["Foreldreveiledning i grupper", "Helsestasjonen", "2025"],
        ["Leksehjelp. To dager i uka", "Frivilligsentralen", "2026"],
        ["Sommerjobb for ungdom", "NAV og kulturkontoret", "2026"],
    ], rows_on_second_page=1)
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    assert [(s.text, s.page) for s in corpus["plans/tiltak.pdf"].segments] == [
        ("Tabellen viser tiltakene i planperioden.", 1),
        ("Tiltak: Foreldreveiledning i grupper; Ansvar: Helsestasjonen; Tid: 2025", 1),
        ("Tiltak: Leksehjelp; To dager i uka; Ansvar: Frivilligsentralen; Tid: 2026", 1),
        ("Tiltak: Sommerjobb for ungdom; Ansvar: NAV og kulturkontoret; Tid: 2026", 2),
    ]
    found = assess(corpus, checklist).requirements.set_index("requirement")
    assert found.loc["R2", ["status", "kinds", "pages"]].tolist() == ["met", "tjeneste_med_ansvar", "1;2"]


def test_pdf_paragraph_over_a_page_break_and_wrapped_heading(tmp_path):
    make_pdf(tmp_path / "plans" / "brudd.pdf", [
        ["# 3 Samarbeid mellom tjenestene, frivillige lag og", "# organisasjoner i kommunen",
         "Helsestasjonen og barnehagene møtes hver måned og", "drøfter felles saker. Skolen har ansvar for",
         "oppfølging av fravær og"],
        ["samarbeider med PPT om elever som strever.", "", "Neste avsnitt starter her."],
    ], header="Testby kommune – Plan for forebyggende arbeid")
    segments = read_corpus(tmp_path, jobs=1, cache=None)["plans/brudd.pdf"].segments
    assert [(s.text, s.page, s.heading) for s in segments] == [
        ("3 Samarbeid mellom tjenestene, frivillige lag og organisasjoner i kommunen", 1, True),
        ("Helsestasjonen og barnehagene møtes hver måned og drøfter felles saker. Skolen har ansvar for oppfølging "
         "av fravær og samarbeider med PPT om elever som strever.", 1, False),
        ("Neste avsnitt starter her.", 2, False),
    ]


def test_one_page_pdf_drops_its_running_header(tmp_path, checklist):
    make_pdf(tmp_path / "plans" / "ark.pdf", [["# Plan", "Helsestasjonen har ansvar for hjemmebesøk."]],
             header="Testby kommune – Plan for forebygging og samarbeid")
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    assert [(s.text, s.heading) for s in corpus["plans/ark.pdf"].segments] == [
        ("Plan", True), ("Helsestasjonen har ansvar for hjemmebesøk.", False)]
    assert assess(corpus, checklist).requirements["status"].tolist() == ["missing", "met", "missing", "missing"]


# ---------------------------------------------------------------------------------------------------------------
# Plans in the shapes real plans come in (our own fictional text; the statuses were written down from the law's
# wording before the tool was run on them)
# ---------------------------------------------------------------------------------------------------------------

SHAPED_TRUTH = {
    "nettside": ["met", "met", "partial", "met"],
    "handlingsplan": ["partial", "met", "missing", "met"],
    "nynorsk": ["met", "met", "met", "met"],
    "bare_loven": ["missing", "missing", "missing", "missing"],
    "ett_ark": ["partial", "met", "missing", "partial"],
}


def _shaped_plans(folder: Path) -> None:
    plans = folder / "plans"
    plans.mkdir(parents=True)
    # a municipal web page about the adopted plan, saved as text
    (plans / "nettside.txt").write_text("\n".join([
        "Plan for forebygging av omsorgssvikt og atferdsvansker",
        "Kommunestyret vedtok planen 12. mars 2025.",
        "Hva vil vi oppnå?",
        "Alle barn i Eikvik skal ha trygge voksne rundt seg. Innen 2028 skal færre familier trenge hjelp fra "
        "barneverntjenesten utenfor hjemmet.",
        "Hvem gjør hva?",
        "Helsestasjonen følger opp alle familier med små barn. Barnehagene og skolene har ansvar for å se barn som "
        "strever og ta kontakt med foreldrene tidlig.",
        "Samarbeid",
        "Familieteamet, helsesykepleierne og PPT møtes hver andre uke for å drøfte saker, anonymt eller med samtykke.",
        "Les hele planen (PDF)",
    ]) + "\n", encoding="utf-8")
    # an action plan that is mostly a table of measures
    make_table_pdf(plans / "handlingsplan.pdf", "Handlingsplanen for 2025–2026 følger opp målene i oppvekstplanen.", [
        ["Tiltak", "Ansvar", "Samarbeidspartnere", "Tid"],
        ["Foreldreveiledning i grupper", "Helsestasjonen", "Barnehagene og familieteamet", "Høsten 2025"],
        ["Fraværsoppfølging", "Skolene", "PPT og skolehelsetjenesten", "Fra januar 2026"],
        ["Gratis fritidsaktiviteter", "Kulturkontoret", "NAV og frivilligsentralen", "Hele perioden"],
    ])
    # a short plan in Nynorsk
    make_pdf(plans / "nynorsk.pdf", [[
        "# Plan for førebyggjande arbeid i Lyngstad", "# Mål",
        "Alle barn og unge i Lyngstad skal få hjelp tidleg. Innan 2027 skal delen elevar som seier dei", 
        "blir mobba, gå ned til under fem prosent.", "", "# Ansvar",
        "Helsestasjonen har ansvar for heimebesøk, og skulen har ansvar for å følgje opp fråvær.", "",
        "# Organisering", "Kommunalsjefen for oppvekst leiar arbeidet med planen. Planen blir rullert kvart år og",
        "lagd fram for kommunestyret.", "", "# Samarbeid",
        "Det tverrfaglege teamet med helsesjukepleiar, PPT og barnevernstenesta møtest kvar månad.",
    ]])
    # a page that only restates the law and announces the plan
    (plans / "bare_loven.txt").write_text("\n".join([
        "Kommunens plan for forebyggende arbeid",
        "Barnevernsreformen ga kommunene et større ansvar for forebygging fra 2022.",
        "Ifølge barnevernloven § 15-1 skal kommunestyret selv vedta en plan for kommunens arbeid med å forebygge "
        "omsorgssvikt og atferdsproblemer.",
        "Loven krever at planen beskriver mål, ansvarsfordeling mellom tjenestene, hvordan arbeidet organiseres og "
        "hvordan tjenestene samarbeider.",
        "Arbeidet med planen starter i høst, og en arbeidsgruppe med representanter fra oppvekst og helse skal "
        "lage et utkast.",
    ]) + "\n", encoding="utf-8")
    # a one-page plan with a running header
    make_pdf(plans / "ett_ark.pdf", [[
        "# Forebyggende plan – kortversjon", "Vi vil at barn i Solberg skal vokse opp trygt.", "",
        "Barneverntjenesten har ansvar for råd og veiledning til barnehagene.", "",
        "Tjenestene samarbeider tett.",
    ]], header="Solberg kommune – Forebyggende plan")


def test_plans_in_real_world_shapes(tmp_path, checklist):
    _shaped_plans(tmp_path)
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    assert not any("Solberg kommune" in s.text for s in corpus["plans/ett_ark.pdf"].segments)
    found = assess(corpus, checklist).requirements
    found["plan"] = found["document"].str.removeprefix("plans/").str.split(".").str[0]
    statuses = found.groupby("plan", sort=False)["status"].apply(list).to_dict()
    agree = sum(a == b for plan, truth in SHAPED_TRUTH.items() for a, b in zip(statuses[plan], truth))
    print(f"\nshaped plans: {agree} of 20 cells agree\n{statuses}")
    assert statuses["bare_loven"] == SHAPED_TRUTH["bare_loven"]
    # measured 18 of 20: a goal said as a wish without a goal word («Vi vil at barn … skal vokse opp trygt»)
    # is missing, not partial, and a forum's meeting interval alone says nothing of R3 to the tool
    assert (statuses["ett_ark"][0], statuses["nettside"][2]) == ("missing", "missing")
    assert agree == 18


def test_a_page_background_and_a_table_on_it(tmp_path):
    """A coloured rectangle behind the whole page is no table cell: the paragraphs stay paragraphs and the
    table beside them is still read by its rows."""
    from fpdf import FPDF

    regular, bold = _fonts()
    pdf = FPDF(format="A4")
    pdf.add_font("dv", "", str(regular))
    pdf.add_font("dv", "B", str(bold))
    pdf.add_page()
    pdf.set_fill_color(235, 245, 255)
    pdf.rect(5, 5, 200, 287, style="F")
    pdf.set_font("dv", size=11)
    pdf.multi_cell(0, 6, "Planen gjelder alle barn og unge i kommunen.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table() as table:
        for row in (["Tiltak", "Ansvar"], ["Hjemmebesøk", "Helsestasjonen"]):
            cells = table.row()
            for cell in row:
                cells.cell(cell)
    pdf.ln(4)
    pdf.multi_cell(0, 6, "Planen rulleres hvert år.", new_x="LMARGIN", new_y="NEXT")
    (tmp_path / "plans").mkdir()
    pdf.output(str(tmp_path / "plans" / "bakgrunn.pdf"))
    segments = read_corpus(tmp_path, jobs=1, cache=None)["plans/bakgrunn.pdf"].segments
    assert [s.text for s in segments] == ["Planen gjelder alle barn og unge i kommunen.",
                                          "Tiltak: Hjemmebesøk; Ansvar: Helsestasjonen", "Planen rulleres hvert år."]


def test_best_evidence_is_the_first_sentence_of_its_kind_in_plan_order(tmp_path):
    """Sentences are taken in the plan's order. They were once ordered by the first checklist word list
    that matched in each, so a later sentence that also matched an earlier list (here 'alfa') came
    first, and the best evidence quoted the second sentence of the paragraph instead of the first."""
    book = tmp_path / "liste.yaml"
    book.write_text(
        "name: liste\nkind: checklist\nversion: 2\n"
        "groups:\n  a: [alfa]\n  b: [beta]\n"
        "codes:\n  - id: R1\n    label: Krav\n    patterns: [gamma]\n"
        "    evidence:\n      - kind: k\n        needs: {b: 1}\n", encoding="utf-8")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "plan.txt").write_text("Beta står her. Alfa og beta står her.\n", encoding="utf-8")
    result = assess(read_corpus(tmp_path, jobs=1, cache=None), load_codebook(book))
    assert result.requirements[["status", "best_evidence", "kinds"]].values.tolist() == [
        ["met", "Beta står her.", "k"]]  # a text file has no pages to cite
    assert result.evidence[["segment", "kind", "concrete"]].values.tolist() == [[0, "k", "beta"]]
