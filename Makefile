# Self-installing entry points: `make demo` and `make test` work from a clean clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test test-matrix docs lint r-deps install clean

install: $(STAMP) r-deps

# torch goes first so the CPU wheel satisfies every later `torch>=` requirement
# and pip never pulls the CUDA build.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

# R + WGCNA come from Debian. Without apt (or root) we say so and carry on;
# the R-dependent tests then skip with that reason.
r-deps:
	@if Rscript -e 'suppressMessages(library(WGCNA))' >/dev/null 2>&1; then \
		echo "R with WGCNA: found"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-wgcna >/dev/null) \
		|| echo "WARNING: apt-get could not install r-base-core r-cran-wgcna; WGCNA tests will be skipped"; \
	else \
		echo "WARNING: Rscript/WGCNA missing and apt-get is not usable here;" \
		     "install r-base-core r-cran-wgcna to run the WGCNA backend (its tests will be skipped)"; \
	fi

demo: install
	$(PY) examples/demo.py

# The doctests of both packages run with the tests; tests/test_docs.py builds
# the API reference with warnings as errors.
PYTEST_PATHS ?= tests isograph regnet

test: install
	$(PY) -m pytest --doctest-modules $(PYTEST_ARGS) $(PYTEST_PATHS)

# The suite on other dependency sets, each in its own venv under .matrix/:
# lowest (every pyproject lower bound), newest (pandas 3, newest scikit-learn),
# py310 (Python 3.10 and no torch). MATRIX_JOBS="lowest" runs one of them.
MATRIX_JOBS ?= lowest newest py310

test-matrix:
	bash .ci/matrix $(MATRIX_JOBS)

# API reference (Sphinx + numpydoc + autosummary) -> docs/_build/html
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	@echo "API reference: docs/_build/html/index.html"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) demo_output .pytest_cache .matrix docs/_build docs/api/generated
