# Two entry points for a fresh clone: `make demo` and `make test`.
# Each creates .venv when missing and (re)installs when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test fuzz bench notebook clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/casestudy run corpus --out outputs

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

fuzz: $(VENV)/.installed-dev
	CASESTUDY_FUZZ_EXAMPLES=10000 $(BIN)/python -m pytest -q tests/test_fuzz.py
	CASESTUDY_BIG_BOMBS=1 $(BIN)/python -m pytest -q tests/test_hostile.py -k big_bombs

# Jupyter in the project's venv, then the exploration notebook (needs a browser on this machine)
notebook: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/utforsk.ipynb

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf outputs .pytest_cache
