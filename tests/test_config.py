"""grading.yml is validated on load: every mistake is one line naming the key."""
from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import ROOT, run_cli
from autograder.config import ConfigError, load_grading


@pytest.fixture
def grading(tmp_path):
    shutil.copytree(ROOT / "source", tmp_path / "source", ignore=shutil.ignore_patterns("__pycache__"))
    data = yaml.safe_load((ROOT / "grading.yml").read_text())
    path = tmp_path / "grading.yml"

    def write(mutate=None):
        copy = yaml.safe_load(yaml.safe_dump(data))
        if mutate:
            mutate(copy)
        path.write_text(yaml.safe_dump(copy, allow_unicode=True))
        return path
    return write


def test_repository_grading_file_is_valid():
    assignments = load_grading(ROOT / "grading.yml")
    cnn = assignments["cnn_step_by_step"]
    assert cnn.max_score == 100
    assert set(cnn.forbidden_modules) == {"torch", "tensorflow", "jax", "scipy"}
    assert cnn.question("conv_forward").helpers == ["zero_pad", "conv_single_step"]


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["assignments"]["cnn_step_by_step"]["questions"][0].update(pionts=3), "pionts"),
    (lambda d: d["assignments"]["cnn_step_by_step"]["questions"][0].update(points="five"), "points"),
    (lambda d: d["assignments"]["cnn_step_by_step"].update(feedback_language="fr"), "feedback_language"),
    (lambda d: d["assignments"]["cnn_step_by_step"]["questions"][4].update(helpers=["nope"]), "nope"),
    (lambda d: d["assignments"]["cnn_step_by_step"].update(notebook="missing.ipynb"), "missing.ipynb"),
    (lambda d: d["assignments"]["cnn_step_by_step"]["questions"][0].update(tests=["hidden_tests/none.py"]), "none.py"),
    (lambda d: d["defaults"]["limits"].update(call_timeout_s=-1), "call_timeout_s"),
    (lambda d: d["assignments"]["cnn_step_by_step"]["questions"].append(
        dict(d["assignments"]["cnn_step_by_step"]["questions"][0])), "unique"),
])
def test_mistakes_name_the_key(grading, mutate, expected):
    path = grading(mutate)
    with pytest.raises(ConfigError) as info:
        load_grading(path)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_a_hidden_test_file_edited_meanwhile_is_read_again(grading):
    """The test names of hidden test files are kept per process (every command reads grading.yml): an
    instructor's edit in between, here removing a test grading.yml marks public, is still seen."""
    path = grading()
    load_grading(path)
    test_file = path.parent / "source" / "cnn_step_by_step" / "hidden_tests" / "test_zero_pad.py"
    text = test_file.read_text(encoding="utf-8")
    test_file.write_text(text.replace("def test_input_unchanged(", "def check_input_unchanged("), encoding="utf-8")
    with pytest.raises(ConfigError, match="public test 'test_input_unchanged' is not a test function"):
        load_grading(path)


def test_invalid_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "grading.yml"
    bad.write_text("assignments: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_grading(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_grading(tmp_path / "nothing.yml")


def test_cli_reports_config_errors_in_one_line(grading, tmp_path):
    path = grading(lambda d: d["assignments"]["cnn_step_by_step"].update(questionz=[]))
    proc = run_cli("grade", str(ROOT / "solutions/cnn_step_by_step/cnn_step_by_step.ipynb"),
                   "--assignment", "cnn_step_by_step", "--config", str(path))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "questionz" in proc.stderr and "Traceback" not in proc.stderr
