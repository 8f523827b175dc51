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
    corpus = read_corpus(tiny_corpus, jobs=1)
    assert {d.case for d in corpus} == {"Kommune 1"}
    assert "Testby" not in corpus.documents_frame().to_csv()


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
