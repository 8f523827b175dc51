from pathlib import Path

import pandas as pd
import pytest

from casestudy import read_corpus
from casestudy.codebook import load_codebook
from casestudy.analyses.plancheck import assess, is_definition, status_for
from casestudy.codebook import DEFAULT_RULE

from conftest import make_image_pdf, make_pdf

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
    assert sum(on_truth) >= 19  # measured: 19 of 21 (haugbakken R4 p. 6 vs 7, storeng R4 p. 3 vs 2)
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
    "total, best, status",
    [(24, 6, "met"), (24, 5, "partial"), (23, 12, "partial"), (1, 1, "partial"), (0, 0, "missing")],
)
def test_status_rule(total, best, status):
    rule = dict(DEFAULT_RULE, met={"min_score": 24, "min_best": 6}, partial={"min_score": 1})
    assert status_for(total, best, rule) == status


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
