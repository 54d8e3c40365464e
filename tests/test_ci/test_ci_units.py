"""Fast unit tests of the CI integrations: workflow-command neutraliser, output lines,
public-test extraction, the grading.yml `public` key, the classroom50 integer mapping."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.ci import classroom50
from autograder.ci.practice import extract_public_suite
from autograder.ci.suite_extract import ExtractError, SuiteExtractor
from autograder.ci.workflow_commands import neutralize, notice, output_line
from autograder.config import ConfigError, get_assignment, load_grading
from autograder.results import GradeResult, QuestionResult

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------ workflow commands
@pytest.mark.parametrize("attack", [
    "::add-mask::secret", "::stop-commands::tok", "::set-output name=points::999", "::error::x",
    "  ::warning file=a::indented", "##[set-output name=x;]legacy", "\t::notice::tab",
])
def test_neutralize_defuses_every_command_form(attack):
    for text in (attack, f"fine\n{attack}", f"fine\r{attack}", f"fine\r\n{attack}\n", f"a\u2028{attack}"):
        out = neutralize(text)
        for line in out.replace("\r", "\n").replace("\u2028", "\n").split("\n"):
            assert not line.lstrip().startswith("::") and not line.lstrip().startswith("##[")
        assert out.replace("\u200b", "") == text   # readable text unchanged apart from the marker


def test_neutralize_keeps_ordinary_text_and_inner_colons():
    text = "expected (2, 3) got (3, 2)\nratio 1::2 is fine"
    assert neutralize(text) == text


def test_output_line_cannot_smuggle_a_second_output():
    line = output_line("summary", "ok\nstatus=success\r\npoints=999")
    assert line.count("\n") == 1 and line.startswith("summary=")
    with pytest.raises(ValueError):
        output_line("bad\nname", "x")


def test_notice_escapes_its_message():
    assert notice("Points", "5/10\n::add-mask::x") == "::notice title=Points::5/10%0A::add-mask::x"


# ------------------------------------------------------------ extraction
def _suite(folder: Path) -> None:
    (folder / "_helpers.py").write_text(
        "import numpy as np\n\ndef public_input():\n    return 1\n\n"
        "def secret_solution(x):\n    return x * 42  # the answer\n\nUNUSED = secret_solution(1)\n")
    (folder / "test_q.py").write_text(
        '"""Docstring naming the hidden cases."""\nimport pytest\nimport _helpers\nfrom _helpers import secret_solution\n'
        "SECRET_CASES = [1, 2, 3]\nSHOWN = 5\n\n"
        "def _check(x):\n    return x == SHOWN\n\n"
        "if True:\n    def conditional_secret():\n        return 'hidden branch'\n\n"
        "def test_public(student):\n    assert _check(_helpers.public_input() + 4)\n\n"
        "@pytest.mark.parametrize('c', SECRET_CASES)\ndef test_secret(student, c):\n    assert secret_solution(c)\n")


def test_extractor_ships_only_public_tests_and_what_they_use(tmp_path):
    _suite(tmp_path)
    extractor = SuiteExtractor(tmp_path)
    extractor.add(tmp_path / "test_q.py", {"test_public"})
    files = extractor.extract()
    shipped = "\n".join(files.values())
    assert "def test_public" in shipped and "_check" in shipped and "SHOWN = 5" in shipped
    assert "public_input" in files["_helpers.py"]
    for secret in ("test_secret", "SECRET_CASES", "secret_solution", "42", "hidden cases", "UNUSED",
                   "conditional_secret", "hidden branch"):
        assert secret not in shipped
    namespace = {}
    exec(compile(files["_helpers.py"], "_helpers.py", "exec"), namespace)  # still valid Python
    assert namespace["public_input"]() == 1


def test_extractor_refuses_star_imports(tmp_path):
    _suite(tmp_path)
    (tmp_path / "test_star.py").write_text("from _helpers import *\n\ndef test_a():\n    assert public_input()\n")
    extractor = SuiteExtractor(tmp_path)
    extractor.add(tmp_path / "test_star.py", {"test_a"})
    with pytest.raises(ExtractError, match="import \\*"):
        extractor.extract()


@pytest.mark.parametrize("name", ["cnn_step_by_step", "transfer_learning", "cnn_inside"])
def test_real_public_suites_hold_no_other_hidden_test(name):
    assignment = get_assignment(name, ROOT / "grading.yml")
    files = extract_public_suite(assignment)
    assert files, "grading.yml marks public tests for both assignments"
    public = {t for q in assignment.questions for t in q.public}
    from autograder.config import test_functions
    for relative, text in files.items():
        shipped_tests = {line.split("(")[0][4:] for line in text.splitlines() if line.startswith("def test_")}
        assert shipped_tests <= public, (relative, shipped_tests - public)
        hidden = test_functions(assignment.source_dir / relative) if (assignment.source_dir / relative).is_file() else set()
        assert not (hidden - public) & shipped_tests, relative


# ------------------------------------------------------------ grading.yml
def test_unknown_public_test_is_one_line_naming_it_and_its_question(tmp_path):
    for name in ("source", "assignments", "solutions"):
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True)
    text = (ROOT / "grading.yml").read_text().replace("public: [test_cache]}", "public: [test_cachee]}", 1)
    (tmp_path / "grading.yml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_grading(tmp_path / "grading.yml")
    message = str(info.value)
    assert "\n" not in message and "test_cachee" in message and "question conv_forward" in message


def test_public_entries_must_be_function_names(tmp_path):
    text = (ROOT / "grading.yml").read_text().replace("public: [test_cache]}", "public: ['test_cache[x]']}", 1)
    (tmp_path / "grading.yml").write_text(text)
    with pytest.raises(ConfigError, match="not a test function name"):
        load_grading(tmp_path / "grading.yml", require_sources=False)


# ------------------------------------------------------------ classroom50 integers
def _result(*questions):
    return GradeResult(assignment="a", score=sum(q[0] for q in questions), max_score=sum(q[1] for q in questions),
                       sandbox="L0", duration_s=0.0,
                       questions=[QuestionResult(f"q{i}", s, m) for i, (s, m) in enumerate(questions)])


def test_v1_scores_are_integers_that_add_up_and_never_round_up():
    result = _result((2.5, 5), (20 / 3, 20), (10, 10))
    tests = classroom50.v1_tests(result)
    assert [t["max-score"] for t in tests] == [5, 20, 10]
    assert [t["score"] for t in tests] == [2, 6, 10]
    assert [t["passed"] for t in tests] == [False, False, True]
    assert all(type(t["score"]) is int and type(t["max-score"]) is int for t in tests)


def test_v1_scales_fractional_points_so_maxima_stay_exact():
    result = _result((0.1, 0.25), (1.5, 1.5))
    assert classroom50.integer_scale(result) == 100
    tests = classroom50.v1_tests(result)
    assert [(t["score"], t["max-score"]) for t in tests] == [(10, 25), (150, 150)]


# ------------------------------------------------------------ engine
def test_practice_runs_exactly_the_visible_checks_and_public_tests():
    """Course-root preview: the hidden files are all there, only public functions may run."""
    from autograder.engine.grader import grade_notebook
    assignment = get_assignment("cnn_step_by_step", ROOT / "grading.yml")
    result = grade_notebook(ROOT / "assignments" / "cnn_step_by_step" / "cnn_step_by_step.ipynb", assignment,
                            practice=True, lang="en")
    for question, graded in zip(assignment.questions, result.questions):
        ran = {t.id.split("[")[0] for t in graded.tests}
        assert ran == {"visible_check"} | set(question.public), question.name
    assert result.score == 0 and result.max_score == assignment.max_score


# ------------------------------------------------------------ recorded reference answers
def test_recorded_answers_replay_only_the_recorded_calls(tmp_path):
    import types

    import numpy as np

    from autograder.engine.answers import NotRecorded, RecordingReference, ReplayReference, UnrecordableCall
    real = types.SimpleNamespace(pad=lambda X, p: np.pad(X, p), CONFIG={"lr": 0.1}, opaque=lambda: object())
    recorder = RecordingReference(real)
    X = np.arange(6.0).reshape(2, 3)
    expected = recorder.pad(X, 1)
    assert recorder.CONFIG == {"lr": 0.1}
    with pytest.raises(UnrecordableCall):
        recorder.opaque()
    recorder.save(tmp_path / "answers.json")
    replay = ReplayReference(tmp_path / "answers.json")
    got = replay.pad(X.copy(), 1)
    assert type(got) is np.ndarray and np.array_equal(got, expected)
    assert replay.CONFIG == {"lr": 0.1}
    with pytest.raises(NotRecorded):
        replay.pad(X, 2)            # another input: the kit has no answer, it never computes one
    with pytest.raises(NotRecorded):
        replay.pad(X.astype(np.float32), 1)


def test_the_grader_wheel_is_built_from_a_private_copy_never_in_the_checkout(tmp_path, monkeypatch):
    """setuptools writes build/ and *.egg-info into the tree it builds: two kits built at once in the
    checkout (a template and a bundle, say on two test workers) broke each other's wheel."""
    from autograder.ci import practice
    seen = []

    def fake_pip(command, **kwargs):
        tree = Path(command[-1])
        seen.append(tree)
        assert (tree / "pyproject.toml").is_file() and (tree / "autograder" / "sandbox" / "inside" / "worker.py").is_file()
        wheel_dir = Path(command[command.index("--wheel-dir") + 1])
        wheel_dir.mkdir(parents=True, exist_ok=True)
        (wheel_dir / "cnn_course_kit-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
        return practice.subprocess.CompletedProcess(command, 0, "", "")
    monkeypatch.setattr(practice.subprocess, "run", fake_pip)
    wheel = practice.build_wheel(tmp_path / "out")
    checkout = Path(practice.__file__).resolve().parents[2]
    assert wheel.read_bytes() == b"wheel" and len(seen) == 1
    assert checkout not in (seen[0], *seen[0].parents)
