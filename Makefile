# Trợ lý Nghị quyết — one command to set up and run, one to test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run setup ingest serve test lint eval eval-gate clean

run: setup ingest serve  ## set up .venv, ingest documents/, serve http://127.0.0.1:8000

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel; any other spec pulls gigabytes of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

ingest: setup
	$(BIN)/assistant ingest

serve: setup
	$(BIN)/assistant serve

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

eval: setup  ## the documents/ set: product beside its baselines, report in runs/documents-hybrid/
	$(BIN)/assistant eval run

eval-gate: setup  ## CI gate: the documents/ set, extractive, fails under eval/floors.json
	$(BIN)/assistant eval run --set documents --baselines none --check-floors --out runs/ci

clean:
	rm -rf index runs .eval-cache
