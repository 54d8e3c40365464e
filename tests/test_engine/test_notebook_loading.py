"""Any notebook a student can produce loads; anything else is one clear error."""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.engine.notebook import NotebookError, clean_source, load_submission


def _write(tmp_path, data, name="sub.ipynb"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def _v4(cells, minor=5):
    return {"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": cells}


def test_source_as_list_or_string_and_missing_or_duplicate_ids(tmp_path):
    cells = [{"cell_type": "code", "source": ["x = 1\n", "y = 2"], "metadata": {}, "outputs": [], "execution_count": None},
             {"cell_type": "code", "id": "same", "source": "z = 3", "metadata": {}, "outputs": [], "execution_count": None},
             {"cell_type": "code", "id": "same", "source": "w = 4", "metadata": {}, "outputs": [], "execution_count": None},
             {"cell_type": "markdown", "source": "# title", "metadata": {}}]
    loaded = load_submission(_write(tmp_path, _v4(cells)))
    assert [c.source for c in loaded] == ["x = 1\ny = 2", "z = 3", "w = 4"]


@pytest.mark.parametrize("minor", [0, 1, 4, 5])
def test_any_v4_minor(tmp_path, minor):
    cell = {"cell_type": "code", "source": "a = 1", "metadata": {}, "outputs": [], "execution_count": 1}
    assert load_submission(_write(tmp_path, _v4([cell], minor)))[0].source == "a = 1"


def test_v3_is_upgraded(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {},
          "worksheets": [{"cells": [{"cell_type": "code", "input": "q = 7", "language": "python",
                                     "outputs": [], "metadata": {}}]}]}
    assert [c.source for c in load_submission(_write(tmp_path, v3))] == ["q = 7"]


def test_huge_outputs_are_ignored(tmp_path):
    cell = {"cell_type": "code", "source": "big = 1", "metadata": {}, "execution_count": 1,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "x" * 5_000_000}]}
    assert load_submission(_write(tmp_path, _v4([cell])))[0].source == "big = 1"


def test_magics_and_shell_escapes_become_no_ops():
    src = "%matplotlib inline\n!pip install torch\nfiles = !ls\nx = 1\nif True:\n    %time y = 2\nnp.pad?"
    cleaned = clean_source(src)
    namespace = {}
    exec(compile(cleaned, "cell", "exec"), namespace)
    assert namespace["x"] == 1 and namespace["files"] is None
    code_lines = [line.split("#")[0] for line in cleaned.splitlines()]
    assert not any("pip" in line or "%" in line for line in code_lines)
    assert len(cleaned.splitlines()) == len(src.splitlines())  # tracebacks keep the student's line numbers
    assert clean_source("%%bash\necho hi").startswith("# %%bash")


@pytest.mark.parametrize("content, fragment", [
    ("", "empty"),
    ("{not json", "invalid JSON"),
    ("[1, 2]", "nbformat"),
    ('{"cells": []}', "nbformat"),
])
def test_corrupt_files_are_one_line_errors(tmp_path, content, fragment):
    with pytest.raises(NotebookError) as info:
        load_submission(_write(tmp_path, content))
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(NotebookError, match="no such file"):
        load_submission(tmp_path / "nope.ipynb")
    with pytest.raises(NotebookError, match="directory"):
        load_submission(tmp_path)


def test_real_notebook_round_trip(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np"),
                                         nbformat.v4.new_markdown_cell("text")])
    path = tmp_path / "real.ipynb"
    nbformat.write(nb, path)
    assert [c.source for c in load_submission(path)] == ["import numpy as np"]
