"""Per-document analyses: keys derived from declared settings, and the matchers' lexicon owned by the corpus."""

from dataclasses import replace

import pytest

from casestudy import code_corpus, kwic, read_corpus
from casestudy.analyses import ANALYSES
from casestudy.analyses.coding import CodingTask
from casestudy.analyses.plancheck import AssessTask
from casestudy.analyses.profile import ProfileTask
from casestudy.codebook import Code, Codebook, find_codebook
from casestudy.model import per_document

BOOK = Codebook(name="t", codes=[Code(id="prevention", patterns=["forebygging"]),
                                 Code(id="cooperation", patterns=["samarbeide"])])


def _other(value):
    """A different value of a setting's type."""
    if isinstance(value, Codebook):
        first = value.codes[0]
        return replace(value, codes=[replace(first, patterns=first.patterns + ["barnehage"])] + value.codes[1:])
    if isinstance(value, bool):
        return not value
    return {"sentence": "turn", "plan": "interview", None: "nb_core_news_sm"}.get(value, "x")


TASKS = {
    "coding": lambda: CodingTask(BOOK, "sentence"),
    "plancheck": lambda: AssessTask(find_codebook("krav_15-1")),
    "profile": lambda: ProfileTask(),
}


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_declared_setting_is_in_the_key(name):
    task = TASKS[name]()
    assert task.settings, "a task declares its settings"
    for setting in task.settings:
        changed = TASKS[name]()
        setattr(changed, setting, _other(getattr(task, setting)))
        assert changed.key != task.key, setting


def test_every_analysis_in_the_table_declares_settings():
    assert {name: bool(a.task.settings) for name, a in ANALYSES.items()} == {name: True for name in ANALYSES}


def test_a_changed_setting_gives_a_fresh_result_not_the_workers_one(tiny_corpus):
    """The reading workers' results are kept by key: a task with another unit or codebook computes anew."""
    corpus = read_corpus(tiny_corpus, jobs=1, tasks=[CodingTask(BOOK, "sentence")])
    assert len(corpus.results) == 1
    def results(task):
        return {doc.id: found for doc, found in per_document(corpus, task, "interview")}

    by_sentence = results(CodingTask(BOOK, "sentence"))
    by_turn = results(CodingTask(BOOK, "turn"))
    leader = "interviews/testby_leder.docx"
    assert list(by_sentence[leader].text) != list(by_turn[leader].text)
    other = replace(BOOK, codes=[Code(id="prevention", patterns=["barnehage"])])
    found = results(CodingTask(other, "sentence"))
    assert found[leader].matched == ["Barnehagen"]


def test_kwic_calls_leave_the_corpus_lexicon_alone(tiny_corpus):
    """A notebook's many kwic lookups never grow the lexicon the corpus's coding looks words up in."""
    corpus = read_corpus(tiny_corpus, jobs=1)
    before = code_corpus(corpus, BOOK)
    lexicon = corpus.shared["lexicon"]
    terms = len(lexicon.ids)
    for i in range(50):
        kwic(corpus, f"ord{i}*")
    assert len(lexicon.ids) == terms
    assert code_corpus(corpus, BOOK).equals(before)


def test_two_corpora_do_not_share_a_lexicon(tiny_corpus):
    first, second = read_corpus(tiny_corpus, jobs=1), read_corpus(tiny_corpus, jobs=1)
    code_corpus(first, BOOK)
    code_corpus(second, BOOK)
    assert first.shared["lexicon"] is not second.shared["lexicon"]
