# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv/ (Python 3.11 or newer) and install the pinned dependencies first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# The venv's interpreter, its tools first on PATH, bytecode written (see below).
RUN    := PYTHONDONTWRITEBYTECODE= PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python

.PHONY: setup demo test release bench clean

# Dependencies: scripts/install_deps.py (uv, with pip's settings handed over; pip if uv fails).
# Bytecode: an installer would compile all ~12,400 files it installs (~20 s); scripts/precompile.py
# compiles the ~3,600 modules the kit's processes import, and compileall this package.  Where
# PYTHONDONTWRITEBYTECODE is set (as on CI images), every process, sandbox workers included, would
# otherwise compile them again; the commands below clear it so that anything else is compiled once, by
# the first process to import it.  The system tools (scripts/install-sandbox.sh: apt, never fatal)
# install while the dependencies do: on a new machine both wait mostly on downloads.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	scripts/install-sandbox.sh & tools=$$!; \
	$(PYTHON) scripts/install_deps.py $(BIN)/python \
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
	rm -rf $(VENV) .uv-cache gradebook.db .pytest_cache
