"""The document cache's fingerprint covers every module that shapes a cached document."""

from casestudy.engine import cache


def test_fingerprint_covers_every_reader_and_text_module_found_on_disk():
    names = {p.relative_to(p.parents[1]).as_posix() if p.parent.name in ("sources", "text") else p.name
             for p in cache._shaping_sources()}
    assert {"sources/pdf.py", "sources/docx.py", "sources/text.py", "sources/turns.py", "sources/formats.py",
            "sources/folder.py", "text/nlp.py", "text/clean.py", "text/nb.py", "model.py", "cache.py"} <= names


def test_a_new_reader_module_changes_the_fingerprint():
    package = cache._shaping_sources()[0].parent
    before = cache.code_fingerprint()
    probe = package / "sources" / "_probe_reader.py"
    probe.write_text("def read(path, interviewer_labels=()):\n    return None\n", encoding="utf-8")
    try:
        cache.code_fingerprint.cache_clear()
        assert cache.code_fingerprint() != before
    finally:
        probe.unlink()
        cache.code_fingerprint.cache_clear()
    assert cache.code_fingerprint() == before


# ---------------------------------------------------------------------------------------------------------------
# A cache that cannot lie (issue 21, item 6): an entry is used only when it is exactly what was asked for
# ---------------------------------------------------------------------------------------------------------------

import hashlib  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from casestudy.cli import main  # noqa: E402
from casestudy.engine.reading import read_corpus  # noqa: E402


def _corpus(root):
    (root / "interviews").mkdir(parents=True)
    (root / "interviews" / "a.txt").write_text(
        "Kari: Vi jobber med forebygging i barnehagen.\nInformant: Barna får hjelp tidlig.\n", encoding="utf-8")
    (root / "interviews" / "b.txt").write_text(
        "Intervjuer: Hva gjør helsestasjonen?\nInformant: Helsestasjonen møter alle familiene.\n", encoding="utf-8")
    return root


def _entries(folder):
    return {path.name.split("-")[0]: path for path in folder.rglob("*.entry")}


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resealed(data: bytes) -> bytes:
    """An entry edited by someone who also recomputed its checksum."""
    body = data[:-32]
    return body + hashlib.blake2b(body, digest_size=32).digest()


def _texts(corpus):
    return {d.id: [(s.text, s.speaker, s.interviewer) for s in d.segments] for d in corpus.documents}


@pytest.fixture
def cached(tmp_path):
    root = _corpus(tmp_path / "corpus")
    cache = tmp_path / "cache"
    fresh = read_corpus(root, jobs=1, cache=None)
    first = read_corpus(root, jobs=1, cache=cache)
    assert first.options["cache_hits"] == 0 and _texts(first) == _texts(fresh)
    return root, cache, fresh


def test_a_second_read_is_served_from_the_cache(cached):
    root, cache, fresh = cached
    again = read_corpus(root, jobs=1, cache=cache)
    assert again.options["cache_hits"] == 2 and _texts(again) == _texts(fresh)


def test_an_edited_entry_is_a_miss_and_is_written_again(cached):
    root, cache, fresh = cached
    entry = _entries(cache)[_sha(root / "interviews" / "a.txt")]
    good = entry.read_bytes()
    entry.write_bytes(good.replace("barnehagen".encode(), "skolen    ".encode()))
    again = read_corpus(root, jobs=1, cache=cache)
    assert again.options["cache_hits"] == 1 and _texts(again) == _texts(fresh)
    assert entry.read_bytes() == good  # rewritten


def test_another_documents_entry_swapped_into_place_is_a_miss(cached):
    root, cache, fresh = cached
    entries = _entries(cache)
    a, b = (entries[_sha(root / "interviews" / name)] for name in ("a.txt", "b.txt"))
    good = a.read_bytes()
    a.write_bytes(b.read_bytes())  # b's text under a's name: one municipality's quotes under another's
    again = read_corpus(root, jobs=1, cache=cache)
    assert again.options["cache_hits"] == 1 and _texts(again) == _texts(fresh)
    assert a.read_bytes() == good


def test_an_entry_with_ids_out_of_range_is_a_miss_even_with_a_valid_checksum(cached):
    root, cache, fresh = cached
    entry = _entries(cache)[_sha(root / "interviews" / "a.txt")]
    good = entry.read_bytes()
    header_end = good.index(b"}") + 1
    # the first token's lemma id (int32, little-endian) made huge: the arrays follow the header
    import numpy as np

    size = int.from_bytes(good[27:35], "little")
    header = __import__("json").loads(good[35:35 + size])
    offset = 35 + size
    for name, dtype, count in header["arrays"]:
        if name == "lemma":
            break
        offset += -(-np.dtype(dtype).itemsize * count // 8) * 8
    bad = bytearray(good)
    bad[offset:offset + 4] = (10 ** 9).to_bytes(4, "little")
    assert header_end < offset
    entry.write_bytes(_resealed(bytes(bad)))
    again = read_corpus(root, jobs=1, cache=cache)
    assert again.options["cache_hits"] == 1 and _texts(again) == _texts(fresh)
    assert entry.read_bytes() == good


@pytest.mark.parametrize("cut", [1, 32, 100])
def test_a_truncated_entry_is_a_miss(cached, cut):
    root, cache, fresh = cached
    entry = _entries(cache)[_sha(root / "interviews" / "b.txt")]
    entry.write_bytes(entry.read_bytes()[:-cut])
    again = read_corpus(root, jobs=1, cache=cache)
    assert again.options["cache_hits"] == 1 and _texts(again) == _texts(fresh)


def test_a_fifo_in_place_of_an_entry_is_a_miss_and_does_not_hang(cached):
    root, cache, fresh = cached
    entry = _entries(cache)[_sha(root / "interviews" / "a.txt")]
    entry.unlink()
    os.mkfifo(entry)
    found = {}
    reader = threading.Thread(target=lambda: found.update(corpus=read_corpus(root, jobs=1, cache=cache)),
                              daemon=True)
    reader.start()
    reader.join(60)
    assert not reader.is_alive(), "a FIFO in the cache hung the read"
    assert found["corpus"].options["cache_hits"] == 1 and _texts(found["corpus"]) == _texts(fresh)
    assert entry.is_file()  # the FIFO was replaced by a real entry


def test_a_link_in_place_of_an_entry_is_not_followed(cached, tmp_path):
    root, cache, fresh = cached
    entries = _entries(cache)
    a, b = (entries[_sha(root / "interviews" / name)] for name in ("a.txt", "b.txt"))
    a.unlink()
    a.symlink_to(b)
    again = read_corpus(root, jobs=1, cache=cache)
    assert again.options["cache_hits"] == 1 and _texts(again) == _texts(fresh)


def test_every_reading_option_is_in_the_key_so_interviewer_labels_never_reuse_stale_segments(tmp_path):
    root = _corpus(tmp_path / "corpus")
    cache = tmp_path / "cache"
    for labels in (("intervjuer",), ("kari", "intervjuer"), ("intervjuer",)):
        with_cache = read_corpus(root, jobs=1, cache=cache, interviewer_labels=frozenset(labels))
        without = read_corpus(root, jobs=1, cache=None, interviewer_labels=frozenset(labels))
        assert _texts(with_cache) == _texts(without), labels
    kari = read_corpus(root, jobs=1, cache=cache, interviewer_labels=frozenset({"kari", "intervjuer"}))
    assert kari.options["cache_hits"] == 2
    assert [s.interviewer for s in kari["interviews/a.txt"].segments] == [True, False]
    assert [s.interviewer for s in with_cache["interviews/a.txt"].segments] == [False, False]


def test_the_cli_interviewer_option_changes_the_coding_with_the_cache_as_without(tmp_path):
    root = _corpus(tmp_path / "corpus")
    runner = CliRunner()
    outputs = {}
    for name, extra in (("first", []), ("cached", ["--interviewer", "Kari", "--interviewer", "Intervjuer"]),
                        ("fresh", ["--interviewer", "Kari", "--interviewer", "Intervjuer", "--no-cache"])):
        out = tmp_path / name
        result = runner.invoke(main, ["ingest", str(root), "--out", str(out), "--cache", str(tmp_path / "c"),
                                      "--jobs", "1", "--silent", *extra])
        assert result.exit_code == 0, result.output
        outputs[name] = (out / "segments.csv").read_text(encoding="utf-8")
    assert outputs["cached"] == outputs["fresh"] != outputs["first"]


def test_the_default_cache_is_outside_the_output_folder_and_cache_moves_it(tmp_path, monkeypatch):
    from casestudy.engine.cache import default_cache_folder

    monkeypatch.delenv("CASESTUDY_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_folder() == tmp_path / "xdg" / "casestudy"
    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "mine"))
    assert default_cache_folder() == tmp_path / "mine"
    root = _corpus(tmp_path / "corpus")
    result = CliRunner().invoke(main, ["ingest", str(root), "--out", str(tmp_path / "out"), "--jobs", "1",
                                       "--silent"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "mine").rglob("*.entry"))) == 2
    assert not list((tmp_path / "out").rglob("*.entry"))
    result = CliRunner().invoke(main, ["ingest", str(root), "--out", str(tmp_path / "out"), "--jobs", "1",
                                       "--silent", "--cache", str(tmp_path / "moved")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "moved").rglob("*.entry"))) == 2


def test_a_changed_limit_is_another_key(cached):
    from casestudy import limits

    root, cache, fresh = cached
    previous = limits.configure(text_mb=50)
    try:
        again = read_corpus(root, jobs=1, cache=cache)
    finally:
        limits.configure(**{name: getattr(previous, name) for name in ("text_mb",)})
    assert again.options["cache_hits"] == 0 and _texts(again) == _texts(fresh)
    assert read_corpus(root, jobs=1, cache=cache).options["cache_hits"] == 2
