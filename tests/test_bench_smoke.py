"""Smoke test of the benchmark: generate a 5-plan, 2-interview corpus and run bench/run.py on it.

Keeps bench/make_corpus.py and bench/run.py working; the numbers themselves are not checked
(the real benchmark is `make bench` on the 357-plan corpus).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def test_generator_and_benchmark_run_on_a_tiny_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(BENCH / "make_corpus.py"), "--plans", "5", "--interviews", "2", "--small",
         "--out", str(corpus), "--seed", "7"],
        check=True, capture_output=True, text=True, timeout=60,
    )
    assert len(list((corpus / "plans").glob("*.pdf"))) == 5
    assert len(list((corpus / "interviews").glob("*.docx"))) == 2
    with open(corpus / "cases.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 7
    assert set(rows[0]) == {"file", "case", "kind", "role", "region", "size_class", "inter_municipal", "year"}
    assert {r["role"] for r in rows if r["kind"] == "interview"} == {"barnevernleder", "koordinator"}

    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--corpus", str(corpus), "--out", str(tmp_path / "out"),
         "--results", str(results), "--baseline-sample", "1", "--casestudy-arg=--no-clouds"],
        check=True, capture_output=True, text=True, timeout=240,
    )
    assert "c/a =" in done.stdout and "d/c =" in done.stdout and "b/c =" in done.stdout and "g/e =" in done.stdout
    data = json.loads(results.read_text(encoding="utf-8"))
    assert {"machine", "corpus", "stages", "ratios", "checks", "peak_mb"} <= set(data)
    assert data["machine"]["cores"] >= 1
    assert data["corpus"]["plans"] == 5 and data["corpus"]["interviews"] == 2
    assert data["corpus"]["pages"] > 0 and data["corpus"]["tokens"] > 0
    for key in "abcdeg":
        stage = data["stages"][key]
        for field in ("seconds", "pages_per_s", "tokens_per_s", "peak_mb"):
            assert stage[field] > 0, (key, field, stage[field])
    assert data["stages"]["b"]["extrapolated"] is True
    for ratio in ("c_over_a", "b_over_c", "d_over_c", "e_over_c", "g_over_e"):
        assert data["ratios"][ratio] > 0
    # (g): a coder trained on the tiny corpus's units (fewer than 5,000 there), and its suggestions in the run
    assert data["suggest"]["training"]["units"] > 100 and data["suggest"]["training"]["codes"] > 0
    # (d) finds the outputs up to date and reads nothing; (e) forces the analysis on cached documents
    assert data["stages"]["d"]["cache_hits"] == 0
    assert data["stages"]["e"]["cache_hits"] == 7
