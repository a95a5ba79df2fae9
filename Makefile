# One command to run the service, one to run the tests. Both set up .venv first.
VENV ?= .venv
BIN := $(VENV)/bin
DOCS ?= examples
DATA_DIR ?= rag-data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# the CPU build of torch first, so no multi-GB CUDA build is pulled in
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

serve: install
	$(BIN)/rag index --data-dir $(DATA_DIR) $(DOCS)
	$(BIN)/rag serve --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check rag embeddings api tests benchmarks
	$(BIN)/mypy

test: install lint
	$(BIN)/python -m pytest

SHARED ?= ../shared

bench: install
	$(BIN)/rag eval $(SHARED)/eval/seed_dev.jsonl benchmarks/seed_unanswerable.jsonl \
		--document $(SHARED)/corpus/seed/aliyev-interview-2024-12.txt
	$(BIN)/rag eval $(SHARED)/benchmarks/qmsum/committee_val.jsonl

clean:
	rm -rf $(VENV) rag-data .pytest_cache .hypothesis
