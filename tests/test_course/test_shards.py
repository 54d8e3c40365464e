"""Deadline grading end to end: collect-repos -> `batch --shard K/3` x3 -> merge == one `batch` run; hand-back.

A class of five repositories (local bare repositories standing in for GitHub): the
reference solution (with a wrong commit after the deadline), the untouched release,
two typical mistakes (one kept in a subfolder) and a repository nobody pushed to.
The shards run in separate copies of the course, as the jobs of an Actions matrix do.
"""
from __future__ import annotations

import csv
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

import warm_cli

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR, course_from_release, tool_env
from gitrepos import git, make_repo
from inprocess import cli
from autograder.config import get_assignment
from autograder.course.submissions import build_submission

NB = f"{ASSIGNMENT}.ipynb"
CORPUS = ROOT / "tests" / "corpus" / ASSIGNMENT / "wrong"
POLICY = get_assignment(ASSIGNMENT, ROOT / "grading.yml")
DEADLINE = "2026-12-01T23:59:00+09:00"
BEFORE, AFTER = "2026-12-01T21:00:00+09:00", "2026-12-02T09:00:00+09:00"


def autograder(course: Path, home: Path, *args: str) -> Future:
    """``python -m autograder ARGS --course COURSE``, started now (a warm start, tests/warm_cli.py)."""
    return _STARTER.submit(warm_cli.autograder, *args, "--course", str(course), cwd=course, env=tool_env(home),
                           timeout=900)


def finish(run: Future) -> str:
    proc = run.result()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


_STARTER = ThreadPoolExecutor(max_workers=4)     # the shards run at once, as the jobs of a matrix do


def read_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row.get("student_id") or row["username"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, released_course):
    tmp = tmp_path_factory.mktemp("deadline")
    home = tmp / "home"
    home.mkdir()
    wrong = {name: build_submission(SOLUTION_DIR / NB, [CORPUS / f"{name}.py"], tmp / f"{name}.ipynb").read_bytes()
             for name in ("zero_pad_one_side", "distribute_value_swapped")}
    solution, release = (SOLUTION_DIR / NB).read_bytes(), (RELEASE_DIR / NB).read_bytes()
    repos = tmp / "repos"
    make_repo(repos / "ana.git", [(BEFORE, {NB: solution}), (AFTER, {NB: wrong["zero_pad_one_side"]})], home)
    make_repo(repos / "ben.git", [(BEFORE, {NB: release})], home)
    make_repo(repos / "cho.git", [(BEFORE, {NB: wrong["zero_pad_one_side"]})], home)
    make_repo(repos / "dan.git", [(BEFORE, {f"{ASSIGNMENT}/{NB}": wrong["distribute_value_swapped"]})], home)
    git("init", "-q", "--bare", str(repos / "eve.git"), cwd=repos, home=home)
    roster = tmp / "roster.csv"
    roster.write_text("student_id,repo_url,first_name,last_name\n" + "".join(
        f"{s},{repos / f'{s}.git'},{s.title()},Kim\n" for s in ("ana", "ben", "cho", "dan", "eve")))

    base = course_from_release(released_course, tmp / "base")
    proc = cli("collect-repos", str(roster), "--assignment", ASSIGNMENT, "--deadline", DEADLINE, "--course", str(base))
    assert proc.returncode == 0, proc.stderr
    courses = {name: tmp / name for name in ("one", "shard1", "shard2", "shard3", "merged")}
    for course in courses.values():
        shutil.copytree(base, course, symlinks=True)

    # The single run (its feedback pages need not be written again) and the three shards
    # (concurrently, like a matrix), then the merge.
    procs = [autograder(courses["one"], home, "batch", ASSIGNMENT, "-j", "1", "--lang", "en", "--no-feedback")]
    procs += [autograder(courses[f"shard{k}"], home, "batch", ASSIGNMENT, "--shard", f"{k}/3", "-j", "1", "--lang",
                         "en") for k in (1, 2, 3)]
    outputs = [finish(proc) for proc in procs]
    merge = finish(autograder(courses["merged"], home, "merge", ASSIGNMENT,
                              str(courses["shard1"] / "results" / ASSIGNMENT), str(courses["shard2"]),
                              str(courses["shard3"] / "results"), "--roster", str(roster)))
    return {"tmp": tmp, "home": home, "courses": courses, "roster": roster, "repos": repos, "outputs": outputs,
            "merge": merge}


def grades(course: Path) -> Path:
    return course / "results" / ASSIGNMENT / "grades.csv"


def test_merged_shards_give_exactly_the_grades_of_one_run(graded):
    one, merged = graded["courses"]["one"], graded["courses"]["merged"]
    assert grades(merged).read_bytes() == grades(one).read_bytes()
    table = read_csv(grades(merged))
    assert set(table) == {"ana", "ben", "cho", "dan"}                       # eve pushed nothing
    assert float(table["ana"]["total"]) == POLICY.max_score                # the commit before the deadline
    assert float(table["ben"]["total"]) == 0
    assert 0 < float(table["cho"]["zero_pad"]) < 5 and 0 < float(table["dan"]["distribute_value"]) < 5
    assert all(row["status"] == "graded" for row in table.values())       # the merge recorded every grade
    assert "graded by the merge" not in graded["merge"]                    # ...from the shards' results


def test_each_student_is_graded_by_exactly_one_shard(graded):
    import json
    shares = [json.loads((graded["courses"][f"shard{k}"] / "results" / ASSIGNMENT / f"shard-{k}-of-3.json")
                         .read_text())["students"] for k in (1, 2, 3)]
    assert sorted(sum(shares, [])) == ["ana", "ben", "cho", "dan"]
    assert sorted(len(share) for share in shares) == [1, 1, 2]
    for k, out in enumerate(graded["outputs"][1:], start=1):
        assert f"graded {len(shares[k - 1])} of {len(shares[k - 1])}" in out
        assert not (graded["courses"][f"shard{k}"] / "gradebook.db").stat().st_size == 0
        assert not grades(graded["courses"][f"shard{k}"]).exists()       # shards record nothing


def test_the_merge_writes_feedback_and_classroom50_scores(graded):
    merged = graded["courses"]["merged"]
    for student in ("ana", "ben", "cho", "dan"):
        assert (merged / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file(), student
    scores = read_csv(merged / "results" / ASSIGNMENT / "scores.csv")
    assert list(scores) == ["ana", "ben", "cho", "dan", "eve"]
    assert float(scores["ana"]["score"]) == POLICY.max_score and scores["ana"]["first_name"] == "Ana"
    assert scores["ana"]["datetime"] == "2026-12-01T12:00:00Z" and scores["ana"]["late"] == "false"
    assert scores["eve"]["score"] == "" and scores["eve"]["commit"] == ""


def test_merge_refuses_an_incomplete_set_of_shards(graded):
    c = graded["courses"]
    proc = cli("merge", ASSIGNMENT, str(c["shard1"]), str(c["shard3"]), "--course", str(c["one"]))
    assert proc.returncode == 2 and "shard 2/3 missing" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("value", ["0/3", "4/3", "2", "a/b", "1/0"])
def test_bad_shard_values_are_one_line_exit_2(value):
    proc = cli("batch", ASSIGNMENT, "--shard", value)
    assert proc.returncode == 2 and "--shard" in proc.stderr and proc.stderr.count("\n") == 1


def test_hand_back_publishes_feedback_to_a_branch_of_each_repository(graded):
    merged, repos, home = graded["courses"]["merged"], graded["repos"], graded["home"]
    # ben's branch already holds another assignment's feedback: it must stay, under the new commit
    earlier = make_repo(graded["tmp"] / "earlier.git", [(BEFORE, {"other/FEEDBACK.md": "earlier\n"})], home)[0]
    git("--git-dir", str(graded["tmp"] / "earlier.git"), "push", "-q", str(repos / "ben.git"),
        f"{earlier}:refs/heads/autograder-feedback", cwd=repos, home=home)
    proc = cli("hand-back", ASSIGNMENT, str(graded["roster"]), "--course", str(merged))
    assert proc.returncode == 0, proc.stderr
    assert "4 of 5" in proc.stdout
    page = git("--git-dir", str(repos / "cho.git"), "show", f"autograder-feedback:{ASSIGNMENT}/FEEDBACK.md",
               cwd=repos, home=home)
    score = read_csv(grades(merged))["cho"]["total"]
    shown = f"{float(score):.2f}".rstrip("0").rstrip(".")
    assert "zero_pad" in page and f"{shown} / {POLICY.max_score:g}" in page
    assert "Graded commit" in page and "채점한 커밋" in page
    assert git("--git-dir", str(repos / "cho.git"), "ls-tree", "--name-only", "-r", "autograder-feedback",
               cwd=repos, home=home).split() == [f"{ASSIGNMENT}/FEEDBACK.md", f"{ASSIGNMENT}/feedback.html"]
    assert git("--git-dir", str(repos / "eve.git"), "branch", "--list", cwd=repos, home=home) == ""
    ben = git("--git-dir", str(repos / "ben.git"), "ls-tree", "--name-only", "-r", "autograder-feedback",
              cwd=repos, home=home).split()
    assert "other/FEEDBACK.md" in ben and f"{ASSIGNMENT}/FEEDBACK.md" in ben
    assert git("--git-dir", str(repos / "ben.git"), "rev-parse", "autograder-feedback^", cwd=repos, home=home) == earlier
    proc = cli("hand-back", ASSIGNMENT, str(graded["roster"]), "--course", str(merged))
    assert proc.returncode == 0 and proc.stdout.count("unchanged") == 4        # nothing new: no second commit
    assert git("--git-dir", str(repos / "cho.git"), "rev-list", "--count", "autograder-feedback",
               cwd=repos, home=home) == "1"


def test_shares_are_disjoint_balanced_and_independent_of_order():
    from autograder.course.shards import Shard, share
    students = [f"s{i:02d}" for i in range(10)]
    shares = [share(students, Shard(k, 3), key=str) for k in (1, 2, 3)]
    assert sorted(sum(shares, [])) == students and [len(s) for s in shares] == [4, 3, 3]
    assert share(list(reversed(students)), Shard(2, 3), key=str) == list(reversed(shares[1]))


def _manifest(folder: Path, k: int, n: int, students: list[str], everyone: list[str], policy: str = "p") -> None:
    from autograder.course.shards import Shard, write_manifest
    write_manifest(folder, ASSIGNMENT, Shard(k, n), everyone, students, policy, "en")


@pytest.mark.parametrize("layout, fragment", [
    ({"a": [(1, 2, ["x"]), (1, 3, ["y"])]}, "different splits"),
    ({"a": [(1, 2, ["x"])], "b": [(1, 2, ["x"])]}, "shard 1/2 appears twice"),
    ({"a": [(1, 2, ["x"])], "b": [(2, 2, ["y"], ["y", "z"])]}, "different classes"),
    ({"a": [(1, 2, ["x"])], "b": [(2, 2, ["y"], ["x", "y"], "other")]}, "different grading.yml"),
])
def test_shard_sets_that_do_not_form_one_run_are_refused(tmp_path, layout, fragment):
    from autograder.course.shards import ShardError, collect_manifests
    for name, manifests in layout.items():
        (tmp_path / name).mkdir()
        for k, n, students, *rest in manifests:
            everyone = rest[0] if rest else ["x", "y"]
            _manifest(tmp_path / name, k, n, students, everyone, *(rest[1:] or ["p"]))
    with pytest.raises(ShardError, match=fragment):
        collect_manifests([tmp_path / name for name in layout], ASSIGNMENT)
