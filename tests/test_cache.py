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
