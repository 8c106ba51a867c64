# Set-up and common tasks. Everything installs into .venv in the repo root.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test example eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The main job: the HTTP API and web page on 127.0.0.1:8000 (STEMCHECK_HOST /
# STEMCHECK_PORT to change); it prints its address.
run: $(STAMP)
	$(BIN)/python -m api

# Check the bundled example clinic page and print the warnings. (A page with
# warnings makes stemcheck exit 1; that is the expected result here.)
example: $(STAMP)
	@$(BIN)/stemcheck check examples/clinic-page.txt; status=$$?; [ $$status -le 1 ] || exit $$status

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider

eval: $(STAMP)
	$(BIN)/stemcheck eval ../shared/data/dev.jsonl

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
