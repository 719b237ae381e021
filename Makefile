# Two commands for a new user: `make run` (set up + serve the app) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Empty: `mockint app` takes MOCKINT_HOST/MOCKINT_PORT (environment or .env), else 127.0.0.1:8501.
HOST ?=
PORT ?=
SHARED ?= $(abspath ../shared)
# Empty: torch comes from pip's configured index. On standard PyPI, torch for Linux x86_64 is the CUDA
# build (GBs of nvidia-* packages); TORCH_INDEX=https://download.pytorch.org/whl/cpu gets the CPU wheel.
# Not the default: machines and CI that reach only the package registry would stall on that index.
TORCH_INDEX ?=
LINTED := src tests eval benchmarks

.PHONY: run setup index test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch is installed first, from TORCH_INDEX when given, so mockint's own install finds it satisfied.
# The pin fixes the version only: which build (CPU or CUDA) comes from the index.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install --quiet -e .
	touch $@

# llm-server: the real LLM server the suite grades against (llama-cpp-python compiles once, ~11 min).
# GGML_NATIVE=OFF: a build tuned to a CPU with AMX (Sapphire Rapids and later) segfaults on its first
# inference in ggml's AMX matmul (ggml-org/llama.cpp#20824); off, it gets AVX2/FMA/F16C and no AMX.
# --no-cache-dir: pip's wheel cache would hand back a native build made before, whatever CMAKE_ARGS say.
$(VENV)/.installed-test: $(VENV)/.installed
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install --quiet --no-cache-dir -e '.[test,llm-server]'
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

# The default set includes the app benchmark, which drives Chromium through playwright (a test extra).
bench: $(VENV)/.installed-test
	bash scripts/system-deps.sh
	TIKTOKEN_CACHE_DIR=$(SHARED)/tiktoken $(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) dist build
