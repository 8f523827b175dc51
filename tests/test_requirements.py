import csv
from pathlib import Path

import pandas as pd
import pytest

from casestudy import read_corpus
from casestudy.codebook import load_codebook
from casestudy.analyses.profile import profiles, similarity
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


def test_profile_fields(tmp_path):
    make_pdf(tmp_path / "plans" / "testby.pdf", PLAN)
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    profile, evidence = profiles(corpus)
    row = profile.iloc[0]
    assert row["plan_period"] == "2024–2027"
    assert row["adopted"] == "ja" and row["adopted_date"] == "29.05.2024"
    assert row["concepts_defined"] == "omsorgssvikt; tidlig innsats"
    assert evidence[evidence.field == "adopted_date"][["value", "page"]].values.tolist() == [["29.05.2024", 1]]


def test_profile_concepts_defined_in_the_first_paragraph_that_defines_or_names_them():
    from casestudy.model import Document, Segment
    from casestudy.text.nlp import tokenize_segments
    from casestudy.analyses.profile import ProfileTask

    texts = [("1 Innledning", True), ("Kommunen prioriterer forebygging", False),  # 'forebygging' + 'er' only
             ("er viktig for alle tjenestene.", False),  # across two paragraphs: no definition
             ("2 Begreper", True), ("Tidlig innsats handler om å gripe inn tidlig.", False),
             ("Atferdsvansker ser vi mest i skolen.", False),  # named under a heading on concepts
             ("3 Tiltak", True), ("Forebygging er alt vi gjør før problemene oppstår.", False)]
    doc = Document("plans/testby.pdf", Path("testby.pdf"), "plan", "Testby", pages=3,
                   segments=[Segment(i, text, page=1 + i // 3, heading=heading, heading_level=int(heading))
                             for i, (text, heading) in enumerate(texts)])
    row, evidence = ProfileTask()(doc, tokenize_segments([text for text, _ in texts]))
    assert row["concepts_defined"] == "atferdsproblemer; forebygging; tidlig innsats"
    assert [(value, page, text) for _, field, value, page, text in evidence if field == "concepts_defined"] == [
        ("atferdsproblemer", 2, texts[5][0]), ("forebygging", 3, texts[7][0]), ("tidlig innsats", 2, texts[4][0])]
    assert (row["adopted"], row["adopted_date"], row["plan_period"]) == ("ikke oppgitt", None, None)
    # the adoption patterns ignore case as Python does: a long s (ſ) is an s
    doc.segments.append(Segment(len(texts), "Vedtatt i kommuneſtyret 12.06.2024.", page=3))
    row, _ = ProfileTask()(doc, tokenize_segments([s.text for s in doc.segments]))
    assert (row["adopted"], row["adopted_date"]) == ("ja", "12.06.2024")


@pytest.mark.parametrize("text, expected", [
    ("Med forebygging menes å gi hjelp før vanskene vokser.", True), ("Omsorgssvikt DEFINERES som …", True),
    ("Førebygging vert definert som arbeid på tvers.", True), ("Med tiltak meiner vi alt kommunen gjer.", True),
    ("Med tidlig innsats menes …", False),  # one word between 'med' and 'menes', as the rule has it
    ("Med barna i sentrum skal tjenestene samarbeide.", False), ("Planen definisjoner-liste", False),
    ("Kommunen forstår behovet.", False), ("forſtås", True),
])
def test_definition_sentences(text, expected):
    assert is_definition(text) is expected


def test_similarity_is_tfidf_cosine(tmp_path):
    make_pdf(tmp_path / "plans" / "a.pdf", [["Barnehage og skole."]])
    make_pdf(tmp_path / "plans" / "b.pdf", [["Barnehagen og helsestasjon."]])
    make_pdf(tmp_path / "plans" / "c.pdf", [["Skole, skolen."]])
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    frame = similarity(corpus)
    # idf ln(4/3)+1 for barnehage and skole (two plans each), ln(4/2)+1 for helsestasjon; c has skole
    # twice (tf 1 + ln 2), alone: c·a = 1/√2, a·b = 1/√2 · idf₂/√(idf₂² + idf₁²)
    assert frame.columns.tolist() == ["document", "plans/a.pdf", "plans/b.pdf", "plans/c.pdf"]
    assert frame.iloc[:, 1:].values.tolist() == [[1.0, 0.428, 0.7071], [0.428, 1.0, 0.0], [0.7071, 0.0, 1.0]]


def test_similarity_equals_scikit_learn_on_the_demo_plans(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    from casestudy.analyses.frequency import countable
    from casestudy.text.nlp import load_stopwords

    corpus = read_corpus(ROOT / "corpus", cache=tmp_path / "cache")
    stop = load_stopwords()
    docs = [[tokens.strings[i] for i in tokens.lemma[countable(tokens, stop)]]
            for _, tokens in corpus.tokenized("plan")]
    expected = cosine_similarity(TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True).fit_transform(docs))
    assert (similarity(corpus).iloc[:, 1:].to_numpy() == expected.round(4)).all()


def test_plan_without_text_layer_is_not_assessed(tmp_path, checklist):
    make_image_pdf((tmp_path / "plans").mkdir() or tmp_path / "plans" / "scan.pdf")
    make_pdf(tmp_path / "plans" / "ok.pdf", PLAN)
    corpus = read_corpus(tmp_path, jobs=1, cache=None)
    result = assess(corpus, checklist).requirements
    scan = result[result.document == "plans/scan.pdf"]
    assert scan["status"].tolist() == ["not_assessed"] * 4
    assert set(scan["reason"]) == {"no text layer (scanned or image-only PDF): run OCR first, e.g. ocrmypdf"}
