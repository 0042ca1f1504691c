# Trợ lý Nghị quyết — one command to set up and run, one to test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run setup ingest serve chroma test lint eval eval-gate clean

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

# A Chroma server on loopback for server mode: export ASSISTANT_CHROMA_URL=http://127.0.0.1:$(CHROMA_PORT), run
# `assistant ingest --rebuild` once, then `assistant serve --workers N`. Its data stays when the index is rebuilt.
CHROMA_PORT ?= 8001
chroma: setup  ## Chroma server for ASSISTANT_CHROMA_URL=http://127.0.0.1:8001 (data in index/chroma-server)
	$(BIN)/chroma run --path index/chroma-server --host 127.0.0.1 --port $(CHROMA_PORT)

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

eval: setup  ## the documents/ set: product beside its baselines, report in runs/documents-hybrid/
	$(BIN)/assistant eval run

eval-gate: setup  ## CI gate: the documents/ and nq57_policy sets, extractive, fail under eval/floors.json
	$(BIN)/assistant eval run --set documents --baselines none --check-floors --out runs/ci
	$(BIN)/assistant eval run --set nq57_policy --baselines none --check-floors --out runs/ci-nq57_policy

clean:
	rm -rf index runs .eval-cache
