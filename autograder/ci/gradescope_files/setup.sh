#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# It installs a Python >= 3.11, the grader's exact pinned dependencies in a venv
# (torch as its CPU build: Gradescope has no GPU), and bubblewrap, the strongest
# sandbox level where the container allows it.  Written by `autograder gradescope build`.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive

recent_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

PYTHON=""
for candidate in python3 python3.14 python3.13 python3.12 python3.11; do
  if command -v "$candidate" >/dev/null 2>&1 && recent_enough "$candidate"; then
    PYTHON="$(command -v "$candidate")"
    break
  fi
done

if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq || true
  apt-get install -y -qq bubblewrap >/dev/null \
    || echo "note: bubblewrap could not be installed; the grader will use a weaker sandbox level (see README)"
  if [ -z "$PYTHON" ]; then
    # Ubuntu 22.04 (Gradescope's default image) ships Python 3.10; 3.11 is in its universe component.
    apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    PYTHON="$(command -v python3.11)"
  fi
  version="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  apt-get install -y -qq "python${version}-venv" >/dev/null 2>&1 || true
fi
if [ -z "$PYTHON" ]; then
  echo "error: no Python 3.11 or newer on this image and no apt-get to install one; choose an Ubuntu base image" >&2
  exit 1
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
torch_pin="$(grep -E '^torch==' "$SOURCE/requirements.txt" || true)"
if [ -n "$torch_pin" ]; then
  "$VENV/bin/python" -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu "$torch_pin" \
    || echo "note: no CPU build of $torch_pin could be installed; the default (larger) build comes from PyPI"
fi
"$VENV/bin/python" -m pip install --quiet -r "$SOURCE/requirements.txt"

# Hidden suites, the reference solutions and the salt are for the grader (root) only:
# the student's code runs as another uid.
chmod -R go-rwx "$SOURCE/course/source"
if [ -f "$SOURCE/salt" ]; then chmod 600 "$SOURCE/salt"; fi

# matplotlib's font list, built once into the image, so that a notebook's first `import matplotlib.pyplot`
# does not scan the fonts again in every sandbox worker (autograder/sandbox/fonts.py).
PYTHONPATH="$SOURCE/kit" "$VENV/bin/python" -c "from autograder.sandbox.fonts import build_font_list; build_font_list()" \
  || echo "note: no font list for the sandbox workers; each builds its own"

# Fail the build now, with a readable message, rather than every submission later.
PYTHONPATH="$SOURCE/kit" "$VENV/bin/python" -m autograder gradescope check --root "$ROOT"
