"""Per-document analyses in the reading workers (DocumentTask): same results, computed where the data is."""

import os

import pandas as pd
import pytest

from casestudy import pipeline
from casestudy.codebook import load_codebook
from casestudy.analyses.coding import code_corpus
from casestudy.engine.reading import read_corpus
from casestudy.model import DocumentTask, per_document
from casestudy.analyses.profile import profiles
from casestudy.analyses.plancheck import assess

BOOKS = [load_codebook(pipeline.resolve_codebook(name)) for name in ("barnevern", "krav_15-1")]


class FailsOnPlans(DocumentTask):
    key = "fails-on-plans"

    def __call__(self, doc, tokens):
        if doc.kind == "plan":
            raise RuntimeError("a bug in an analysis")
        return len(tokens)


class CollectorThreshold(DocumentTask):
    key = "gc-threshold"

    def __call__(self, doc, tokens):
        import gc

        return gc.get_threshold()[0]


def test_casestudy_processes_raise_the_collector_threshold_but_leave_the_callers_alone(tiny_corpus):
    import gc

    from casestudy.engine.forking import GC_THRESHOLD, concurrently

    before = gc.get_threshold()
    read = read_corpus(tiny_corpus, jobs=2, tasks=[CollectorThreshold()])
    assert set(read.results["gc-threshold"].values()) == {GC_THRESHOLD}
    assert concurrently(lambda: gc.get_threshold()[0], lambda: gc.get_threshold()[0], jobs=2)[1] == GC_THRESHOLD
    assert gc.get_threshold() == before  # a notebook's own settings are left alone


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_give_the_results_the_main_process_would(tiny_corpus, jobs):
    plain = read_corpus(tiny_corpus, jobs=1)
    tasks = pipeline.document_tasks(BOOKS, unit="sentence")
    read = read_corpus(tiny_corpus, jobs=jobs, tasks=tasks)
    coding, check, profile = (task.key for task in tasks)
    assert set(read.results[coding]) == {"interviews/testby_leder.docx", "interviews/testby_koord.txt", "plans/testby.pdf"}
    assert set(read.results[check]) == set(read.results[profile]) == {"plans/testby.pdf"}  # plans only
    pd.testing.assert_frame_equal(code_corpus(read, BOOKS[0]), code_corpus(plain, BOOKS[0]))
    pd.testing.assert_frame_equal(assess(read, BOOKS[1]).requirements, assess(plain, BOOKS[1]).requirements)
    pd.testing.assert_frame_equal(profiles(read)[0], profiles(plain)[0])
    # other settings than the workers used are computed, not taken from the workers
    assert code_corpus(read, BOOKS[0], unit="paragraph")["unit"].eq("paragraph").all()


def test_a_task_that_fails_in_a_worker_is_left_to_the_main_process(tiny_corpus):
    read = read_corpus(tiny_corpus, jobs=2, tasks=[FailsOnPlans()])
    assert sorted(read.results["fails-on-plans"]) == ["interviews/testby_koord.txt", "interviews/testby_leder.docx"]
    with pytest.raises(RuntimeError, match="a bug in an analysis"):
        list(per_document(read, FailsOnPlans()))


def test_concurrently_returns_results_in_order_and_raises_a_childs_error(tmp_path):
    from casestudy.errors import CasestudyError
    from casestudy.engine.forking import concurrently

    shared = {"big": list(range(1000))}  # a forked child sees this process's memory

    def write(name):
        def call():
            path = tmp_path / name
            path.write_text(str(sum(shared["big"])), encoding="utf-8")
            return [path, os.getpid()]
        return call

    (first, here), (second, there) = concurrently(write("a.txt"), write("b.txt"), jobs=2)
    assert (first.read_text(), second.read_text()) == ("499500", "499500")
    assert here == os.getpid() != there
    assert [pid for _, pid in concurrently(write("c.txt"), write("d.txt"), jobs=1)] == [os.getpid()] * 2

    def fails():
        raise CasestudyError("disk full")

    with pytest.raises(CasestudyError, match="disk full"):
        concurrently(write("e.txt"), fails, jobs=2)
    assert (tmp_path / "e.txt").exists()  # the other call still finished


def test_analyses_lemmatize_patterns_with_the_pipeline_that_read_the_corpus(tiny_corpus):
    from casestudy.errors import CasestudyError

    read = read_corpus(tiny_corpus, tasks=pipeline.document_tasks(BOOKS))
    read.options["model"] = "nb_core_news_sm"  # as if read with a trained pipeline (not installed here)
    # results made with the built-in pipeline are not taken for another one: the patterns would differ
    for analyse in (lambda: code_corpus(read, BOOKS[0]), lambda: assess(read, BOOKS[1]), lambda: profiles(read)):
        with pytest.raises(CasestudyError, match="'nb_core_news_sm' is not installed"):
            analyse()


def test_a_segment_pickles_to_an_equal_segment():
    import pickle

    from casestudy.model import Segment

    segment = Segment(4, "Hva gjør dere?", page=None, turn=7, speaker="Intervjuer", role="intervjuer",
                      interviewer=True, heading=False, heading_level=0)
    assert pickle.loads(pickle.dumps(segment)) == segment
    assert pickle.loads(pickle.dumps(Segment(0, "1 Mål", page=3, heading=True, heading_level=1))) == Segment(
        0, "1 Mål", page=3, heading=True, heading_level=1)


def test_frozen_objects_freezes_for_the_block_and_leaves_a_callers_own_freeze_alone():
    import gc

    from casestudy.engine.forking import frozen_objects

    assert gc.get_freeze_count() == 0
    with frozen_objects() as freeze_new:
        frozen = gc.get_freeze_count()
        made = [[] for _ in range(100)]
        freeze_new()
        assert frozen > 0 and gc.get_freeze_count() >= frozen + len(made)
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own
    try:
        before = gc.get_freeze_count()
        with frozen_objects() as freeze_new:
            freeze_new()
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("cached", [False, True])
def test_files_read_while_the_pipeline_loads_are_processed_like_the_others(tiny_corpus, tmp_path, monkeypatch,
                                                                            cached):
    from casestudy.engine import reading as process

    (tiny_corpus / "plans" / "tom.pdf").write_bytes(b"")  # skipped: the reason comes from the early reader
    early = {}
    finish = process._EarlyReader.finish

    def finish_after_every_file(self):
        self._child.join(60)  # let it read every file first (a few KB: the pipe holds them until read)
        early.update(finish(self))
        return early

    monkeypatch.setattr(process._EarlyReader, "finish", finish_after_every_file)
    tasks = pipeline.document_tasks(BOOKS, unit="sentence")
    cache = tmp_path / "cache" if cached else None
    plain = read_corpus(tiny_corpus, jobs=1, tasks=tasks, cache=cache)  # fills the cache when there is one
    read = read_corpus(tiny_corpus, jobs=2, tasks=tasks, cache=cache)
    # files in the cache are left to the workers, which load them; the others are read early
    assert sorted(result[0] for result in early.values()) == (["skip"] if cached else ["read", "read", "read", "skip"])
    assert read.options["cache_hits"] == (3 if cached else 0)
    assert [(s.document, s.reason) for s in read.skipped] == [("plans/tom.pdf", "empty file (0 bytes): replace it "
                                                                                "with the real PDF")]
    assert read.documents == plain.documents
    for doc in plain.documents:
        assert read.tokens[doc.id].to_arrays().keys() == plain.tokens[doc.id].to_arrays().keys()
        assert all((a == b).all() for a, b in zip(read.tokens[doc.id].to_arrays().values(),
                                                  plain.tokens[doc.id].to_arrays().values()))
    pd.testing.assert_frame_equal(code_corpus(read, BOOKS[0]), code_corpus(plain, BOOKS[0]))
    pd.testing.assert_frame_equal(assess(read, BOOKS[1]).evidence, assess(plain, BOOKS[1]).evidence)


def test_a_cache_entry_gives_back_the_document_and_tokens_and_a_damaged_one_is_a_miss(tiny_corpus, tmp_path):
    from casestudy.engine.cache import DocumentCache, restore
    from casestudy.model import Document
    from casestudy.text.nlp import tokenize_segments
    from casestudy.sources import read

    doc = read(tiny_corpus / "interviews" / "testby_leder.docx", tiny_corpus, sha256="ab" * 32)
    tokens = tokenize_segments([s.text for s in doc.segments])
    cache = DocumentCache(tmp_path / "cache", "test")
    cache.put(doc, tokens)
    fields, cached = cache.get(doc.sha256, ".docx")
    again = restore(Document(doc.id, doc.path, doc.kind, doc.case, sha256=doc.sha256), fields)
    assert (again.segments, again.format, again.pages) == (doc.segments, "docx", doc.pages)
    assert cached.strings == tokens.strings
    for name, array in tokens.to_arrays().items():
        assert cached.to_arrays()[name].dtype == array.dtype and (cached.to_arrays()[name] == array).all(), name
    entry = next((tmp_path / "cache").rglob("*.entry"))
    data = entry.read_bytes()
    entry.write_bytes(data[:-9])  # truncated
    assert cache.get(doc.sha256, ".docx") is None
    entry.write_bytes(data.replace(b'"<i4"', b'"|O8"', 1))  # an object array (a pickle) is never read
    assert cache.get(doc.sha256, ".docx") is None
    entry.write_bytes(b"PK" + data[2:])
    assert cache.get(doc.sha256, ".docx") is None
    entry.write_bytes(data)
    assert cache.get(doc.sha256, ".docx") is not None
