# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv/ (Python 3.11 or newer) and install the pinned dependencies first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The venv's interpreter, its tools first on PATH, bytecode written (see below).
RUN    := PYTHONDONTWRITEBYTECODE= PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python

.PHONY: setup demo test release bench clean

# Bytecode: pip would compile all ~12,400 files it installs (~20 s); scripts/precompile.py compiles the
# ~3,600 modules the kit's processes import, and compileall this package.  Where PYTHONDONTWRITEBYTECODE
# is set (as on CI images), every process, sandbox workers included, would otherwise compile them again;
# the commands below clear it so that anything else is compiled once, by the first process to import it.
# pip >= 24 goes into the new venv straight from the system's pip where that can (`--python`, pip >= 22.3):
# 2.6 s less than venv's own pip 23 and an upgrade; else from ensurepip, then upgraded.  The system tools
# (scripts/install-sandbox.sh: apt, never fatal) install while pip does: on a new machine both wait mostly
# on downloads.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	$(BIN)/python -c 'import pip, sys; sys.exit(int(pip.__version__.split(".")[0]) < 24)' 2>/dev/null \
	  || $(PYTHON) -m pip --python $(BIN)/python install --quiet --upgrade "pip>=24" 2>/dev/null \
	  || { $(BIN)/python -m ensurepip && $(BIN)/python -m pip install --quiet --upgrade "pip>=24"; }
	scripts/install-sandbox.sh & tools=$$!; \
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev]' \
	  && $(BIN)/python -m compileall -q autograder \
	  && $(BIN)/python scripts/precompile.py; \
	status=$$?; wait $$tools; exit $$status
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(RUN) -m autograder demo

# Test files run in parallel (pytest-xdist), each file whole on one worker: module fixtures
# (the graded corpus, the demo class) are built once.  Files are handed out in the order
# tests/conftest.py gives them (longest first); xdist's own reordering (most tests first) would
# leave the longest files for the end.  TEST_JOBS=0 runs serially.
TEST_JOBS ?= 2

test: setup
	$(RUN) -m pytest -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder

# Grading speed against stock nbgrader on the same notebooks (benchmarks/grading.py).
BENCH_N ?= 100
bench: setup
	$(RUN) benchmarks/grading.py --n $(BENCH_N)

ASSIGNMENTS ?= cnn_step_by_step transfer_learning cnn_inside

release: setup
	for a in $(ASSIGNMENTS); do $(RUN) -m autograder release $$a || exit 1; done

clean:
	rm -rf $(VENV) gradebook.db .pytest_cache
