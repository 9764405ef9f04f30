# Two commands do all the set-up on a fresh machine:
#   make run   - create the environment if needed, install, start the dashboard (offline)
#   make test  - the same set-up, then the whole test suite
# Supported Pythons: 3.11-3.13. Pick one with e.g. `make test PYTHON=python3.13 VENV=.venv-3.13`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast browser build-data bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/lnmap serve --host 127.0.0.1 --port 8050

# Browser tests drive Debian's chromium; install it when it is missing and we may.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "note: /usr/bin/chromium missing; browser tests will be skipped (sudo apt-get install chromium)"; fi; \
	fi

test: install browser
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not browser"

# Regenerate the generated data (needs the build extra and ../shared).
build-data: install
	$(PY) -m pip install -q -e ".[build,test]"
	$(VENV)/bin/lnmap build-boundaries
	$(VENV)/bin/lnmap build-indicators

bench: install
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .venv-3.13 .pytest_cache
