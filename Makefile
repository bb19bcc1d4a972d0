# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: e2e-setup run test lint bench faults clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/copilot run

test: lint e2e-setup
	$(PY) -m pytest -q -m "not faults"

# ruff, mypy (no errors on copilot, tools, api) and the import contracts in pyproject.toml (import-linter).
lint: $(STAMP)
	$(VENV)/bin/ruff check cli copilot tools api evals tests bench
	$(VENV)/bin/mypy cli copilot tools api
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Every fault and security test, the slow ones (marked `faults`, skipped by `make test`) included.
faults: $(STAMP)
	$(PY) -m pytest -q tests/faults tests/security

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# The optional local model (SmolLM2-135M on llama.cpp), compiled for any x86-64 CPU: no -march=native and no
# AMX, which a VM may report without being able to run it (the server then died with SIGILL).
.PHONY: local-llm
local-llm: $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
		$(PY) -m pip install --quiet -e '.[local-llm]'

# Re-record the LLM cassettes from the real local model.
LLM_PORT ?= 8089
LLM_TESTS ?= tests/unit/test_llm_cassettes.py tests/unit/test_llm_reader_cassettes.py tests/graph/test_llm_graph.py
.PHONY: record-cassettes
record-cassettes: local-llm
	@$(VENV)/bin/copilot llm serve-local --port $(LLM_PORT) > $(VENV)/llm-server.log 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT; \
	$(PY) -m tests.llm_support http://127.0.0.1:$(LLM_PORT)/v1 || { cat $(VENV)/llm-server.log; exit 1; }; \
	COPILOT_VCR_RECORD=all COPILOT_TEST_LLM_URL=http://127.0.0.1:$(LLM_PORT)/v1 $(PY) -m pytest -q -p no:randomly $(LLM_TESTS)

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used).
e2e-setup:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

# The desk's chart library, vendored (committed) so the desk works offline: uPlot from the npm registry.
UPLOT_VERSION ?= 1.6.32
.PHONY: vendor-uplot
vendor-uplot:
	@tmp=$$(mktemp -d); cd $$tmp && npm pack --silent uplot@$(UPLOT_VERSION) >/dev/null && tar xzf uplot-$(UPLOT_VERSION).tgz; \
	cd - >/dev/null; cp $$tmp/package/dist/uPlot.iife.min.js $$tmp/package/dist/uPlot.min.css $$tmp/package/LICENSE api/static/vendor/uplot/; \
	echo "uPlot $(UPLOT_VERSION) (npm package uplot), MIT licence: see LICENSE. Refresh with: make vendor-uplot" > api/static/vendor/uplot/VERSION; \
	rm -rf $$tmp
