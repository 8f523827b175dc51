import json

import pandas as pd
from click.testing import CliRunner

from casestudy.cli import main


def test_run_with_one_broken_file_writes_everything_for_the_rest(tiny_corpus, tmp_path):
    (tiny_corpus / "plans" / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert (
        "skipped plans/broken.pdf: not a readable PDF (corrupt or truncated): open it in a PDF viewer and save it "
        "again" in result.stderr
    )
    for name in ["documents.csv", "segments.csv", "word_counts.csv", "manifest.json", "figures/wordcloud.png",
                 "figures/wordcloud_barnevernleder.png", "figures/wordcloud_koordinator.png"]:
        assert (out / name).exists(), name
    documents = pd.read_csv(out / "documents.csv")
    assert documents[["document", "status"]].values.tolist() == [
        ["interviews/testby_koord.txt", "ok"], ["interviews/testby_leder.docx", "ok"],
        ["plans/broken.pdf", "skipped"], ["plans/testby.pdf", "ok"],
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["skipped"] == [{"document": "plans/broken.pdf", "reason": (
        "not a readable PDF (corrupt or truncated): open it in a PDF viewer and save it again")}]
    assert len(manifest["inputs"]) == 4


def test_second_run_uses_cache_and_gives_identical_csvs(tiny_corpus, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(tiny_corpus), "--out", str(out), "--jobs", "1", "--no-clouds"]
    assert CliRunner().invoke(main, args).exit_code == 0
    first = {p.name: p.read_bytes() for p in out.glob("*.csv")}
    assert CliRunner().invoke(main, args + ["--force"]).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == first
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["cache_hits"] == 3


def test_unchanged_rerun_is_up_to_date_and_any_change_reruns(tiny_corpus, tmp_path):
    out = tmp_path / "out"
    args = ["run", str(tiny_corpus), "--out", str(out), "--jobs", "1", "--no-clouds"]
    assert CliRunner().invoke(main, args).exit_code == 0
    stamp = (out / "manifest.json").read_bytes()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0
    assert "is up to date" in again.stderr
    assert (out / "manifest.json").read_bytes() == stamp
    for change in (["--unit", "turn"], []):
        if not change:  # an edited input file
            (tiny_corpus / "interviews" / "testby_koord.txt").write_text("Koordinator: Nytt.\n", encoding="utf-8")
        result = CliRunner().invoke(main, args + change)
        assert result.exit_code == 0 and "is up to date" not in result.stderr, change
    (out / "segments.csv").unlink()  # a missing output also means a rerun
    assert "is up to date" not in CliRunner().invoke(main, args).stderr


def test_missing_corpus_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["wordcount", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_empty_corpus_folder(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().endswith("no readable PDF, DOCX or TXT files found")


def test_wordcount_command(tiny_corpus, tmp_path):
    result = CliRunner().invoke(main, ["wordcount", str(tiny_corpus), "--by", "role", "--top", "1", "--kind",
                                       "interview", "--out", str(tmp_path), "--no-cache"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "word_counts.csv")
    assert list(frame.columns) == ["group", "lemma", "count", "share", "rank", "forms"]
    assert frame[["group", "lemma", "count"]].values.tolist() == [["barnevernleder", "barn", 3], ["koordinator", "barn", 1]]


def test_interrupted_run_leaves_previous_outputs_intact(tiny_corpus, tmp_path, monkeypatch):
    from casestudy import pipeline

    out = tmp_path / "out"
    args = ["run", str(tiny_corpus), "--out", str(out), "--jobs", "1", "--no-clouds"]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    (tiny_corpus / "interviews" / "ny.txt").write_text("Informant: Forebygging er viktig.\n", encoding="utf-8")

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "appendix_from", interrupted)  # a late stage, after the CSVs are staged
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    assert after == before
    assert not list(out.glob(".run-*"))
    monkeypatch.undo()
    assert CliRunner().invoke(main, args).exit_code == 0  # the rerun finishes, reusing the cache
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["cache_hits"] == 4
    assert "interviews/ny.txt" in pd.read_csv(out / "documents.csv")["document"].tolist()


def test_export_formats(tiny_corpus, tmp_path):
    import zipfile

    for fmt in ("xlsx", "docx", "md", "qdpx"):
        target = tmp_path / f"appendix.{fmt}"
        result = CliRunner().invoke(main, ["export", str(tiny_corpus), "--format", fmt, "--out", str(target),
                                           "--jobs", "1", "--no-cache"])
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    assert "project.qde" in zipfile.ZipFile(tmp_path / "appendix.qdpx").namelist()
    assert "| Testby |" in (tmp_path / "appendix.md").read_text(encoding="utf-8")


def test_codebook_qdc_round_trip_through_the_cli(tmp_path):
    qdc = tmp_path / "b.qdc"
    assert CliRunner().invoke(main, ["codebook", "export", "barnevern", "--format", "qdc", "--out", str(qdc)]).exit_code == 0
    result = CliRunner().invoke(main, ["codebook", "import", str(qdc), "--out", str(tmp_path / "b.yaml"),
                                       "--like", "barnevern"])
    assert result.exit_code == 0, result.output
    from casestudy.codebook import load_codebook
    from casestudy.pipeline import resolve_codebook

    assert load_codebook(tmp_path / "b.yaml").ids == load_codebook(resolve_codebook("barnevern")).ids


def test_agreement_command_and_run_reference(tiny_corpus, tmp_path):
    book = tmp_path / "book.yaml"
    book.write_text("codes:\n  - id: prevention\n    patterns: [forebygging]\n"
                    "  - id: cooperation\n    patterns: [samarbeide]\n", encoding="utf-8")
    human = tmp_path / "human.csv"
    # the human coder agrees on forebygging in the leader interview, misses the plan and adds a code
    human.write_text("document,text,code\n"
                     "interviews/testby_leder.docx,Forebygging handler om barna og familiene.,prevention\n"
                     "interviews/testby_leder.docx,Barna må få hjelp tidlig.,prevention\n"
                     "interviews/testby_koord.txt,Tjenestene samarbeider godt om barna.,cooperation\n",
                     encoding="utf-8")
    out = tmp_path / "agr"
    result = CliRunner().invoke(main, ["agreement", str(human), str(tiny_corpus), "--codebook", str(book),
                                       "--out", str(out), "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    per_code = pd.read_csv(out / "agreement.csv").set_index("code")
    assert per_code.loc["cooperation", ["human", "auto", "both"]].tolist() == [1, 1, 1]
    assert per_code.loc["prevention", ["human", "auto", "both"]].tolist() == [2, 1, 1]
    disagreements = pd.read_csv(out / "disagreements.csv")
    assert disagreements[["text", "code", "human", "auto"]].values.tolist() == [
        ["Barna må få hjelp tidlig.", "prevention", 1, 0]]
    run_out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", str(tiny_corpus), "--out", str(run_out), "--codebook", str(book),
                                       "--reference", str(human), "--no-clouds", "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(run_out / "agreement.csv").equals(pd.read_csv(out / "agreement.csv"))


def test_outputs_identical_across_jobs_and_cache(tiny_corpus, tmp_path):
    def csvs(*extra):
        out = tmp_path / "_".join(extra).replace("-", "")
        args = ["run", str(tiny_corpus), "--out", str(out), "--no-clouds", *extra]
        assert CliRunner().invoke(main, args).exit_code == 0
        return {p.name: p.read_bytes() for p in out.glob("*.csv")}

    serial = csvs("--jobs", "1", "--no-cache")
    assert csvs("--jobs", "2", "--no-cache") == serial
    cache = str(tmp_path / "cache")
    assert csvs("--jobs", "2", "--cache", cache) == serial  # fills the cache
    assert csvs("--jobs", "1", "--cache", cache, "--force") == serial  # reads from it


def test_console_script_ends_fast_with_its_output_and_exit_code(tiny_corpus, tmp_path):
    """entry_point ends the process without the interpreter's teardown: the output is all there, the exit
    codes are click's, and a message-carrying exit still prints."""
    import subprocess
    import sys

    def console(*args):
        code = "import sys; from casestudy.cli import entry_point; sys.argv[0] = 'casestudy'; entry_point()"
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)

    done = console("run", str(tiny_corpus), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-cache")
    assert done.returncode == 0, done.stderr
    assert "3 documents read, 0 skipped; wrote 28 files" in done.stderr
    assert len(json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["inputs"]) == 3
    missing = console("run", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert console("--version").returncode == 0


def test_unknown_by_names_the_attributes_there_are(tiny_corpus, tmp_path):
    result = CliRunner().invoke(main, ["wordcount", str(tiny_corpus), "--by", "fylke", "--out", str(tmp_path),
                                       "--no-cache", "--jobs", "1"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: by 'fylke' is not an attribute of this corpus; use one of: case, document, kind, region, role, "
        "size_class, speaker (or add a 'fylke' column to cases.csv)")


def test_kwic_says_when_a_pattern_is_a_mistyped_code_id(tiny_corpus):
    result = CliRunner().invoke(main, ["kwic", str(tiny_corpus), "prevension", "--codebook", "barnevern",
                                       "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-2:] == [
        "0 matches",
        "hint: 'prevension' is not a code of codebooks/barnevern.yaml (did you mean prevention?); it was searched "
        "as a word pattern"]


def test_commands_keep_their_cache_in_one_folder_outside_the_outputs(tiny_corpus, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CASESTUDY_CACHE", str(cache))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["kwic", str(tiny_corpus), "barn*", "--jobs", "1"]).exit_code == 0
    assert not (tmp_path / "outputs").exists()
    entries = len(list(cache.rglob("*.entry")))
    assert entries == 3
    assert CliRunner().invoke(main, ["ingest", str(tiny_corpus), "--out", str(tmp_path / "o"), "--jobs", "1"]
                              ).exit_code == 0
    assert len(list(cache.rglob("*.entry"))) == entries and not (tmp_path / "o" / ".cache").exists()


def test_corpus_repr_is_one_short_line(tiny_corpus):
    from casestudy import read_corpus

    corpus = read_corpus(tiny_corpus, jobs=1)
    assert repr(corpus) == f"Corpus({str(tiny_corpus)!r}: 2 interview, 1 plan, {sum(map(len, corpus.tokens.values()))}" \
                           " tokens, 0 skipped)"
