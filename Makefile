# Two commands do everything: `make demo` (set up, ingest the seeds, answer a question) and
# `make test` (set up, run the whole test suite). Set-up is incremental: it reruns only when
# pyproject.toml or the lock changes, and pip reuses its cached llama-cpp-python wheel.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# llama-cpp-python has no wheel on PyPI and compiles from source once (pip caches the wheel).
# Its multimodal library (mtmd) is never used here: leaving it out cuts the compile from 6.5 to 5.3 min.
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: setup demo test browser bench lock clean

setup: $(STAMP)

# The exact versions of requirements-dev.lock (every extra: local, fast, slack, dev), checked
# against its hashes, then Newsdesk itself, editable.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --progress-bar off -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
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

# Re-resolve the locks after changing a dependency in pyproject.toml (uv is in the dev extra):
# requirements.lock is the image's (local, slack), requirements-dev.lock make setup's and CI's.
# Both hold every platform and Python 3.11-3.13 (--universal), with hashes.
UV_COMPILE := UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes
lock:
	$(UV_COMPILE) --extra local --extra fast --extra slack --extra dev -o requirements-dev.lock
	$(UV_COMPILE) --extra local --extra slack -c requirements-dev.lock -o requirements.lock

clean:
	rm -rf $(VENV) .newsdesk
