# Two commands for a new user: `make run` (set up + serve the app) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Empty: `mockint app` takes MOCKINT_HOST/MOCKINT_PORT (environment or .env), else 127.0.0.1:8501.
HOST ?=
PORT ?=
SHARED ?= $(abspath ../shared)
LINTED := src tests eval benchmarks

.PHONY: run setup index test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is pinned first so pip takes the CPU wheel instead of GBs of CUDA packages.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

# llm-server: the real LLM server the suite grades against (llama-cpp-python compiles once, ~11 min).
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,llm-server]'
	touch $@

setup: $(VENV)/.installed

index: setup
	$(BIN)/mockint index

run: index
	$(BIN)/mockint app $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

test: $(VENV)/.installed-test
	bash scripts/system-deps.sh
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports
	TIKTOKEN_CACHE_DIR=$(SHARED)/tiktoken $(BIN)/pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports

bench: setup
	TIKTOKEN_CACHE_DIR=$(SHARED)/tiktoken $(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) dist build
