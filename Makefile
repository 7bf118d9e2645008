# Everything runs in a local virtual environment made from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime

.PHONY: example test test-huge generate check docs benchmark clean

# The validator alone (runtime dependencies only, no LinkML): enough for `make example`.
$(RUNTIME): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

# Everything for generation and the tests (LinkML, pytest, ...).
$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

example: $(RUNTIME)  ## set up the validator alone and validate the bundled example (JSON and XML)
	$(BIN)/kad-spec validate examples/kad-melding.json examples/kad-melding.xml

test: $(STAMP)  ## set up and run the tests
	$(BIN)/python -m pytest

test-huge: $(STAMP)  ## the tests on files of several GB (minutes, 2 GB of disk)
	$(BIN)/python -m pytest -m huge -s

generate: $(STAMP)
	$(BIN)/kad-spec generate

check: $(STAMP)
	$(BIN)/kad-spec generate --check

docs: $(STAMP)
	$(BIN)/kad-spec docs --out site

# Every performance figure in one run, written to docs/performance.md (BENCHMARK_OPTIONS=--quick: smoke run).
BENCHMARK_OPTIONS ?=
benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCHMARK_OPTIONS)

clean:
	rm -rf $(VENV) site build dist test-artifacts
