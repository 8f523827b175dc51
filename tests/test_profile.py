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
