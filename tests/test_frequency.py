from casestudy import read_corpus, word_counts


def test_counts_exclude_interviewer_and_stopwords(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    counts = word_counts(corpus, by="role", kind="interview")
    leader = counts[counts.group == "barnevernleder"]
    assert leader[["lemma", "count", "rank"]].values.tolist() == [
        ["barn", 3, 1], ["barnehage", 1, 2], ["familie", 1, 2], ["forebygging", 1, 2],
        ["handle", 1, 2], ["hjelp", 1, 2], ["tidlig", 1, 2],
    ]
    assert leader["share"].tolist()[0] == 0.333333  # "dag" (hver dag) is a stop word
    coordinator = counts[counts.group == "koordinator"]
    # "Hvordan samarbeider tjenestene?" is the interviewer's (label I) and is not counted
    assert coordinator[["lemma", "count"]].values.tolist() == [
        ["barn", 1], ["god", 1], ["samarbeide", 1], ["tjeneste", 1]
    ]


def test_counts_with_interviewer_and_top(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    counts = word_counts(corpus, by="role", include_interviewer=True, top=1)
    assert counts[["group", "lemma", "count"]].values.tolist() == [
        ["barnevernleder", "barn", 3], ["intervjuer", "barnehage", 1], ["koordinator", "barn", 1],
        ["plan", "barn", 1],
    ]


def test_total_is_the_ungrouped_count_first(tiny_corpus):
    corpus = read_corpus(tiny_corpus, jobs=1)
    both = word_counts(corpus, by="role", total=True, top=2)
    assert both[["group", "lemma", "count", "rank"]].values.tolist() == [
        ["alle", "barn", 5, 1], ["alle", "forebygging", 2, 2],  # 3 + 1 + 1 and 1 + 1 from the groups below
        ["barnevernleder", "barn", 3, 1], ["barnevernleder", "barnehage", 1, 2],
        ["koordinator", "barn", 1, 1], ["koordinator", "god", 1, 1],
        ["plan", "barn", 1, 1], ["plan", "forebygging", 1, 1],
    ]
    full = word_counts(corpus, by="role", total=True)
    assert full[full.group == "alle"].reset_index(drop=True).equals(word_counts(corpus))
    assert word_counts(corpus, total=True).equals(word_counts(corpus))


def test_pseudonym_replaces_case(tiny_corpus):
    """A pseudonym column pseudonymises the run (case, document ids and all) unless told not to
    (pseudonymise=None, the default; see sources.pseudonyms.decide); pseudonymise=False keeps the real names and says so."""
    cases = (tiny_corpus / "cases.csv").read_text(encoding="utf-8").splitlines()
    rows = [cases[0] + ",pseudonym"] + [row + ",Kommune 1" for row in cases[1:]]
    (tiny_corpus / "cases.csv").write_text("\n".join(rows), encoding="utf-8")
    corpus = read_corpus(tiny_corpus, jobs=1)  # the default: pseudonymise=None
    assert {d.case for d in corpus} == {"Kommune 1"}
    assert [d.id for d in corpus] == ["Kommune 1/intervju 1.txt", "Kommune 1/intervju 2.docx", "Kommune 1/plan 1.pdf"]
    assert "testby" not in corpus.documents_frame().to_csv().casefold()
    assert (corpus.options["pseudonymised"], corpus.options["pseudonymised_reason"]) == (
        True, "cases.csv gives pseudonyms (its pseudonym column)")
    real = read_corpus(tiny_corpus, jobs=1, pseudonymise=False)
    assert {d.case for d in real} == {"Testby"}
    assert [d.id for d in real] == ["interviews/testby_koord.txt", "interviews/testby_leder.docx", "plans/testby.pdf"]
    assert (real.options["pseudonymised"], real.options["pseudonymised_reason"]) == (
        False, "--no-pseudonymise: real names kept although cases.csv gives pseudonyms")


def test_table_of_contents_is_not_counted(tmp_path):
    from conftest import make_pdf
    from casestudy import read_corpus
    from casestudy.analyses.frequency import word_counts

    make_pdf(tmp_path / "plans" / "innhold.pdf", [
        ["# Innhold", "1 Samarbeid ........ 2", "2 Oppfølging ........ 3"],
        ["# 1 Samarbeid", "Skolen og helsestasjonen samarbeider om overgangene."],
    ])
    counts = word_counts(read_corpus(tmp_path, jobs=1, cache=None))
    assert counts.set_index("lemma")["count"].to_dict() == {
        "samarbeid": 1, "samarbeide": 1, "helsestasjon": 1, "skole": 1, "overgang": 1}
