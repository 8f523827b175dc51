import pytest

from casestudy import read_corpus
from pathlib import Path

from casestudy.codebook import codebook_from_data, load_codebook, parse_yaml
from casestudy.analyses.coding import code_corpus, code_matrix, code_texts
from casestudy.analyses.kwic import kwic

BOOK = codebook_from_data(parse_yaml("""
codes:
  - id: prevention
    patterns: [forebygging, forebyggende]
  - id: core
    patterns: ["*kjernebarnevern*", "riktige barn"]
  - id: cooperation
    patterns: [samarbeid, samarbeide, samarbeidsavtale]
    exclude: ["samarbeid med meieri*"]
  - id: barrier
    patterns: [utfordring]
    children:
      - id: economy
        patterns: [penger, "budsjett*"]
        negation: drop
  - id: early
    patterns: ["tidlig innsats"]
"""))


@pytest.mark.parametrize(
    "text, codes",
    [
        ("Forebyggingen virker.", {"prevention"}),
        ("Forebygginga i kommunane er god.", {"prevention"}),
        ("Kjernebarnevernets oppgaver er klare.", {"core"}),
        ("Vi må finne de riktige barna.", {"core"}),
        ("Samarbeidsavtalene med skolen er nye.", {"cooperation"}),
        ("Tjenestene samarbeider godt.", {"cooperation"}),
        ("Vi har samarbeid med meieriet om melk.", set()),
        ("Budsjettene er stramme.", {"economy"}),
        ("Vi har ikke penger til det.", set()),  # economy drops negated mentions
        ("Tidlig innsats er viktig, ja tidlig innsats.", {"early"}),
        ("Det er tidlig. Innsats kommer senere.", set()),  # a phrase does not cross a sentence end
    ],
)
def test_phrase_and_glob_matching_across_inflections(text, codes):
    assert code_texts([text], BOOK)[0] == codes


def test_rollup_adds_parents():
    assert code_texts(["Budsjettet er en utfordring."], BOOK, rollup=True)[0] == {"economy", "barrier"}


def test_matchers_share_terms_without_changing_each_others_matches():
    from casestudy.analyses.matching import Matcher
    from casestudy.text.nlp import tokenize_segments

    texts = ["Samarbeidet om tidlig innsats er godt.", "Vi har ikke penger til forebyggende arbeid."]
    tokens = tokenize_segments(texts)
    first = Matcher(BOOK)
    before = first.matches(tokens, texts)
    # a later matcher adds terms (a new glob among them) to the shared lexicon while the same document is indexed
    later = Matcher(codebook_from_data(parse_yaml("codes:\n  - id: work\n    patterns: ['arbeid*', innsats]")))
    assert later.matches(tokens, texts) == [("work", 0, 22, 29, False, 0), ("work", 1, 36, 42, False, 0)]
    assert first.matches(tokens, texts) == before == [
        ("prevention", 1, 23, 35, True, 0), ("cooperation", 0, 0, 11, False, 0), ("early", 0, 15, 29, False, 0),
    ]
    found = first.find(tokens, texts)  # the same matches as arrays, the code by its place in the codebook
    assert [first.codes[c].id for c in found.code.tolist()] == ["prevention", "cooperation", "early"]
    assert (found.segment.tolist(), found.start.tolist(), found.negated.tolist()) == ([1, 0, 0], [23, 0, 15],
                                                                                      [True, False, False])


def test_coded_rows_have_exact_offsets_and_units(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, BOOK, unit="sentence")
    columns = ["document", "segment", "turn", "role", "code", "matched", "start", "end", "text"]
    values = coded[columns].astype(object).where(coded[columns].notna(), None).values.tolist()
    assert values == [
        ["interviews/testby_koord.txt", 1, 2, "koordinator", "cooperation", "samarbeider", 11, 22,
         "Tjenestene samarbeider godt om barna."],
        ["interviews/testby_leder.docx", 1, 2, "barnevernleder", "prevention", "Forebygging", 0, 11,
         "Forebygging handler om barna og familiene."],
        ["plans/testby.pdf", 1, None, None, "prevention", "forebyggingen", 21, 34,
         "Kommunen skal styrke forebyggingen for barna."],
    ]
    for row in coded.itertuples():
        assert corpus[row.document].segments[row.segment].text[row.start:row.end] == row.matched
    # the interviewer's "Hva betyr forebygging for dere?" is not coded
    assert not ((coded.document == "interviews/testby_leder.docx") & (coded.segment == 0)).any()


def test_turn_unit_joins_paragraphs_of_a_turn(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, BOOK, unit="turn")
    leader = coded[coded.document == "interviews/testby_leder.docx"]
    assert leader["text"].tolist() == ["Forebygging handler om barna og familiene.\nBarna må få hjelp tidlig."]
    assert set(coded["unit"]) == {"turn"}


def test_code_matrix_by_case_with_rollup(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    coded = code_corpus(corpus, BOOK)
    matrix = code_matrix(coded, BOOK, by="case")
    assert matrix.columns.tolist() == ["case", "prevention", "core", "cooperation", "barrier", "economy", "early"]
    assert matrix.values.tolist() == [["Testby", 2, 0, 1, 0, 0, 0]]
    by_region = code_matrix(coded, BOOK, by="region", corpus=corpus)
    assert by_region.values.tolist() == [["Vest", 2, 0, 1, 0, 0, 0]]


def test_code_matrix_counts_each_unit_once_per_code_with_its_parents():
    import pandas as pd

    def row(document, case, segment, code, text):
        return {"document": document, "case": case, "segment": segment, "unit": "sentence", "code": code,
                "text": text}

    coded = pd.DataFrame([
        row("b.pdf", "Bby", 0, "economy", "Penger er en utfordring."),  # a child and its parent in one unit:
        row("b.pdf", "Bby", 0, "barrier", "Penger er en utfordring."),  # barrier counts this unit once
        row("b.pdf", "Bby", 1, "economy", "Budsjettet er lite."),
        row("a.pdf", "Aby", 0, "prevention", "Forebygging virker."),
        row("a.pdf", "Aby", 0, "unknown", "Forebygging virker."),  # not in the codebook: left out
        row("c.pdf", None, 0, "early", "Tidlig innsats."),
    ])
    matrix = code_matrix(coded, BOOK, by="case")
    assert matrix.columns.tolist() == ["case", "prevention", "core", "cooperation", "barrier", "economy", "early"]
    assert matrix.values.tolist() == [
        ["(mangler)", 0, 0, 0, 0, 0, 1], ["Aby", 1, 0, 0, 0, 0, 0], ["Bby", 0, 0, 0, 2, 2, 0],
    ]
    flat = code_matrix(coded, BOOK, by="document", rollup=False)
    assert flat.values.tolist() == [
        ["a.pdf", 1, 0, 0, 0, 0, 0], ["b.pdf", 0, 0, 0, 1, 2, 0], ["c.pdf", 0, 0, 0, 0, 0, 1],
    ]
    assert code_matrix(coded[coded.code == "unknown"], BOOK).columns.tolist() == matrix.columns.tolist()


def test_kwic_by_pattern_and_code(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    lines = kwic(corpus, "barn", window=2)
    assert lines[["document", "left", "match", "right"]].values.tolist() == [
        ["interviews/testby_koord.txt", "godt om", "barna", "."],
        ["interviews/testby_leder.docx", "handler om", "barna", "og familiene"],
        ["interviews/testby_leder.docx", "", "Barna", "må få"],
        ["interviews/testby_leder.docx", "Barnehagen ser", "barna", "hver dag"],
        ["plans/testby.pdf", "forebyggingen for", "barna", "."],
    ]
    assert kwic(corpus, "prevention", codebook=BOOK, window=0)["match"].tolist() == ["Forebygging", "forebyggingen"]


def test_spacy_component_puts_codes_on_the_doc():
    from casestudy.text.nlp import get_nlp

    nlp = get_nlp()
    doc = nlp("Kjernebarnevernet og forebyggingen.")
    from casestudy.analyses.matching import CodebookComponent

    doc = CodebookComponent(BOOK)(doc)
    assert [(s.text, s.label_) for s in doc.spans["codebook"]] == [
        ("Kjernebarnevernet", "core"), ("forebyggingen", "prevention")]


PLAN_SENTENCES_ABOUT_CHILDREN = [
    "Mange elever med sosiale problemer trenger tett oppfølging.",
    "Barn som sliter med angst og ensomhet skal få hjelp tidlig.",
    "Utfordringsbildet viser at flere unge har psykiske vansker.",
    "Det er vanskelig for mange familier å få endene til å møtes.",
    "Elevene skal lykkes i skolen og fullføre videregående.",
    "Ungdom med utfordringer i hjemmet får tilbud om samtale.",
]


def test_plan_sentences_about_childrens_difficulties_get_no_barrier_or_success_code():
    book = load_codebook(Path(__file__).parents[1] / "codebooks" / "barnevern.yaml")
    scoped = {c.id for c in book.flat() if c.id.startswith(("barrier", "success")) or c.id == "anchoring_leadership"}
    found = code_texts(PLAN_SENTENCES_ABOUT_CHILDREN, book, kinds=["plan"] * len(PLAN_SENTENCES_ABOUT_CHILDREN),
                       rollup=True)
    assert [sorted(codes & scoped) for codes in found] == [[]] * len(PLAN_SENTENCES_ABOUT_CHILDREN)
    # the same words about the work are barriers in a plan, and informants' own words count without context
    work = code_texts(["En utfordring er at tjenestene har liten kapasitet til å samarbeide.",
                       "Den største utfordringen er at vi sliter med å følge opp."], book, kinds=["plan", "interview"])
    assert "barrier" in work[0] and "barrier" in work[1]


def test_codes_apply_to_the_kinds_of_document_they_name(tmp_path):
    from casestudy.codebook import codebook_from_data

    book = codebook_from_data({"codes": [
        {"id": "speech", "patterns": ["altså"], "applies_to": ["interview"]},
        {"id": "weak", "with_context": {"patterns": ["utfordring*"], "context": ["samarbeid*"], "kinds": ["plan"]}},
    ]})
    texts = ["Altså, utfordringen er stor.", "Altså, utfordringen er stor."]
    assert code_texts(texts, book, kinds=["interview", "plan"]) == [{"speech", "weak"}, set()]
    assert code_texts(["Utfordringen med samarbeidet er stor."], book, kinds=["plan"]) == [{"weak"}]
    assert book.applies_to() == {"speech": ("interview",), "weak": ("plan", "interview")}
    assert codebook_from_data(book.to_dict()).to_dict() == book.to_dict()  # written back out as read


def test_a_pattern_whose_later_word_lost_all_its_tokens_to_the_context_matches_nothing():
    """'arbeidet' alone is the verb's lemma out of context, but every token of it here is the noun: the
    string 'arbeide' is in the table with no token, and a two-word pattern through it must not fail."""
    from casestudy.codebook import Code, Codebook

    book = Codebook(name="t", codes=[Code(id="a", patterns=["godt arbeide"]), Code(id="b", patterns=["arbeid"])])
    assert code_texts(["Det gode arbeidet med planen, og godt arbeidet i teamet."], book) == [{"b"}]
