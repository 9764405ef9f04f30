# Two commands do all the set-up on a fresh machine:
#   make run   - create the environment if needed, install, start the dashboard (offline)
#   make test  - the same set-up, then the whole test suite
# Supported Pythons: 3.11-3.13. Pick one with e.g. `make test PYTHON=python3.13 VENV=.venv-3.13`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast lint mutate browser build-data bench bench-load clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/lnmap serve --host 127.0.0.1 --port 8050

# What the tests drive besides Python: Debian's chromium (browser tests) with a CJK font, QGIS
# (opens the exported GeoPackage) and PostgreSQL (the shared store). Installed when missing and we
# may (root with apt-get); otherwise those tests skip and say why (CI makes them required).
SYSTEM_PACKAGES := chromium fonts-noto-cjk python3-qgis qgis-providers postgresql
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q . || \
	    ! /usr/bin/python3 -c "import qgis" 2>/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "note: some of $(SYSTEM_PACKAGES) are missing; their tests will be skipped (sudo apt-get install ...)"; fi; \
	fi

# Static checks, part of `make test`: the linter and the type checker (settings in pyproject.toml).
lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

test: install browser lint
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser"

# Regenerate the generated data (needs the build extra and ../shared).
build-data: install
	$(PY) -m pip install -q -e ".[build,test]"
	$(VENV)/bin/lnmap build-boundaries
	$(VENV)/bin/lnmap build-indicators

# Mutation testing of the modules that compute what users read (by hand: a full run takes a while).
# Writes bench/results_mutation.md.
mutate: install
	rm -rf mutants
	$(VENV)/bin/mutmut run
	$(PY) bench/mutation_report.py

# 50 simulated sessions against the development server and gunicorn, one worker killed (loopback only).
bench-load: install
	$(PY) bench/bench_load.py

bench: install
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .venv-3.13 .pytest_cache mutants
