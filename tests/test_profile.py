"""Plan profiles: the fields found per plan, and plan similarity."""

from pathlib import Path

from casestudy import read_corpus
from casestudy.analyses.profile import profiles, similarity

from conftest import make_pdf
from test_plancheck import PLAN

ROOT = Path(__file__).parents[1]


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


def _profile(texts):
    """The profile row of a plan given as (text, heading level) pairs, on page 1."""
    from casestudy.analyses.profile import ProfileTask
    from casestudy.model import Document, Segment
    from casestudy.text.nlp import tokenize_segments

    doc = Document("plans/testby.pdf", Path("testby.pdf"), "plan", "Testby", pages=1,
                   segments=[Segment(i, text, page=1, heading=bool(level), heading_level=level)
                             for i, (text, level) in enumerate(texts)])
    return ProfileTask()(doc, tokenize_segments([text for text, _ in texts]))[0]


def test_profile_fields_hold_on_real_world_shapes():
    row = _profile([
        ("Tiltaksplanar for barn og unge i Testby", 1),  # a title word is no overview of measures
        ("Vedteken i kommunestyret 19.10.23, sak 40/23.", 0),
        ("Forebygging er viktig for alle som arbeider med barn.", 0),  # defines nothing
        ("Ungdom i Testby trives, viser Ungdata.", 0),  # named, not a target group
        ("Kommunen bruker SLT og Barnets behov i sentrum i alle skolekretsene.", 0),
        ("Arbeidet følger kommunens årshjul.", 0),  # no revision of the plan
    ])
    assert (row["measures_overview"], row["measures_sorted_by"]) == ("nei", "")
    assert (row["adopted"], row["adopted_date"]) == ("ja", "19.10.2023")
    assert row["concepts_defined"] == ""
    assert row["target_groups"] == ""
    assert row["models"] == "SLT; Barnets behov i sentrum"
    assert row["revision"] == ""


def test_profile_measures_sorted_by_area_and_target_groups_with_a_cue():
    row = _profile([
        ("Plan for forebyggende arbeid", 1),
        ("Målgruppen er først og fremst ungdom og foreldrene deres.", 0),
        ("4 Tiltak", 1),
        ("4.1 Innsatsområde: trygge familier", 2),
        ("Tiltak: Foreldreveiledning; Ansvar: Helsestasjonen; Tid: 2025", 0),
        ("Tiltak: Hjemmebesøk; Ansvar: Helsestasjonen; Tid: 2025", 0),
        ("4.2 Innsatsområde: et godt skolemiljø", 2),
        ("Tiltak: Mobbeombud; Ansvar: Skolen; Tid: 2026", 0),
    ])
    assert (row["measures_overview"], row["measures_sorted_by"]) == ("ja", "innsatsområde")
    assert row["target_groups"] == "ungdom; foreldre"
