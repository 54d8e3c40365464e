"""`autograder collect-repos`: students' repositories at the deadline, as nbgrader submissions.

Local bare repositories stand in for GitHub; commits get controlled committer dates.
A tiny local HTTP server stands in for an https host, to see what git sends it.
"""
from __future__ import annotations

import base64
import csv
import datetime
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import ASSIGNMENT, RELEASE_DIR, ROOT, SOLUTION_DIR
from gitrepos import git, make_repo
from inprocess import cli

NB = f"{ASSIGNMENT}.ipynb"
DEADLINE = "2026-12-01T23:59:00+09:00"
BEFORE, EARLIER, AFTER = "2026-12-01T20:00:00+09:00", "2026-11-30T10:00:00+09:00", "2026-12-02T00:30:00+09:00"
TOKEN = "ghs_TESTtoken0123456789abcdefSECRET"


def nb_bytes(path: Path) -> bytes:
    return path.read_bytes()


def variant(name: str, tmp: Path) -> bytes:
    from autograder.course.submissions import build_submission
    out = build_submission(SOLUTION_DIR / NB, [ROOT / "tests" / "corpus" / ASSIGNMENT / "wrong" / name],
                           tmp / f"{name}.ipynb")
    return out.read_bytes()


def minimal_course(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("grading.yml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("repos")
    home = tmp / "home"
    home.mkdir()
    wrong = variant("zero_pad_one_side.py", tmp)
    shas = {
        "alice": make_repo(tmp / "alice.git", [
            (EARLIER, {NB: nb_bytes(RELEASE_DIR / NB)}),
            (BEFORE, {NB: nb_bytes(SOLUTION_DIR / NB)}),
            (AFTER, {NB: wrong})], home),            # pushed after the deadline: must not be taken
        "bob": make_repo(tmp / "bob.git", [
            (BEFORE, {f"{ASSIGNMENT}/{NB}": nb_bytes(SOLUTION_DIR / NB), "README.md": "# my repo\n",
                      ".github/workflows/ci.yml": "on: push\n", f"{ASSIGNMENT}/notes.txt": "mine\n",
                      f"{ASSIGNMENT}/link": "symlink:/etc/passwd",
                      f"{ASSIGNMENT}/x\n::stop-commands::y": "symlink:z"})], home),
        "frank": make_repo(tmp / "frank.git", [(AFTER, {NB: nb_bytes(SOLUTION_DIR / NB)})], home),
    }
    git("init", "-q", "--bare", str(tmp / "carol.git"), cwd=tmp, home=home)   # accepted, never pushed
    roster = tmp / "roster.csv"
    roster.write_text("student_id,repo_url,first_name,email\n"
                      f"alice,{tmp / 'alice.git'},Alice,a@example.org\n"
                      f"Bob Lee,file://{tmp / 'bob.git'},Bob,\n"
                      f"carol,{tmp / 'carol.git'},,\n"
                      "dave,,,\n"
                      f"erin,{tmp / 'does-not-exist.git'},,\n"
                      f"frank,{tmp / 'frank.git'},,\n", encoding="utf-8")
    return {"tmp": tmp, "home": home, "shas": shas, "roster": roster, "wrong": wrong}


def read_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def collected(repos):
    course = minimal_course(repos["tmp"] / "course")
    proc = cli("collect-repos", str(repos["roster"]), "--assignment", ASSIGNMENT, "--deadline", DEADLINE,
               "--course", str(course))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return course, proc, read_csv(course / "results" / ASSIGNMENT / "collected.csv")


def test_the_last_commit_at_or_before_the_deadline_is_laid_out(repos, collected):
    course, _, rows = collected
    folder = course / "submitted" / "alice" / ASSIGNMENT
    assert rows["alice"]["status"] == "collected" and rows["alice"]["commit"] == repos["shas"]["alice"][1]
    assert (folder / NB).read_bytes() == (SOLUTION_DIR / NB).read_bytes()      # not the later, wrong one
    record = json.loads((folder / ".autograder" / "commit.json").read_text())
    assert record["commit"] == repos["shas"]["alice"][1] and record["branch"] == "main"
    from nbgrader.utils import parse_utc
    stamp = parse_utc((folder / "timestamp.txt").read_text().strip())
    assert stamp == datetime.datetime(2026, 12, 1, 11, 0)                      # 20:00 KST in UTC, nbgrader's reading
    assert rows["alice"]["committed_at"] == "2026-12-01T11:00:00Z"


def test_without_a_deadline_the_branch_tip_is_taken(repos, tmp_path):
    course = minimal_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student_id,repo_url\nalice,{repos['tmp'] / 'alice.git'}\n")
    proc = cli("collect-repos", str(roster), "--assignment", ASSIGNMENT, "--course", str(course))
    assert proc.returncode == 0, proc.stderr
    assert (course / "submitted" / "alice" / ASSIGNMENT / NB).read_bytes() == repos["wrong"]


def test_the_notebook_folder_is_found_and_only_regular_visible_files_are_copied(collected):
    course, _, rows = collected
    folder = course / "submitted" / "Bob_Lee" / ASSIGNMENT                       # id sanitised like batch --from
    assert rows["Bob_Lee"]["status"] == "collected"
    assert sorted(p.name for p in folder.iterdir()) == [".autograder", NB, "notes.txt", "timestamp.txt"]
    note = rows["Bob_Lee"]["note"]
    assert f"from folder {ASSIGNMENT}/" in note and "link (not a regular file)" in note
    assert "x?::stop-commands::y" in note and "\n" not in note     # no line of a student's making in the log


def test_students_without_a_usable_commit_are_rows_with_a_note(collected):
    course, proc, rows = collected
    assert rows["carol"]["status"] == "empty" and "nothing pushed" in rows["carol"]["note"]
    assert rows["dave"]["status"] == "no_repository"
    assert rows["erin"]["status"] == "unreachable" and rows["erin"]["note"].startswith("git: ")
    assert rows["frank"]["status"] == "no_commit_before_deadline"
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["Bob_Lee", "alice"]
    assert "1 empty" in proc.stdout and "2 collected" in proc.stdout


def test_a_second_collection_leaves_unchanged_submissions_alone(repos, collected):
    course, _, _ = collected
    marker = course / "submitted" / "alice" / ASSIGNMENT / ".autograder" / "notes.json"
    marker.write_text("[]")     # what the batch leaves there: must survive an unchanged re-collection
    proc = cli("collect-repos", str(repos["roster"]), "--assignment", ASSIGNMENT, "--deadline", DEADLINE,
               "--course", str(course))
    rows = read_csv(course / "results" / ASSIGNMENT / "collected.csv")
    assert proc.returncode == 0 and rows["alice"]["status"] == "unchanged" and marker.exists()


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).seen.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_token_reaches_git_as_a_header_and_appears_nowhere_else(tmp_path, monkeypatch, capsys):
    from autograder.ci import gitcmd
    from autograder.ci.collect import collect_repos
    from autograder.ci.roster import read_roster
    from autograder.config import get_assignment
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    course = minimal_course(tmp_path / "course")
    url = f"http://127.0.0.1:{server.server_port}/org/a1-alice.git"
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student_id,repo_url\nalice,{url}\n")
    argv: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(args, *rest, **kwargs):
        argv.append(list(args))
        return real_popen(args, *rest, **kwargs)
    monkeypatch.setattr(gitcmd.subprocess, "Popen", spy)
    try:
        rows, report = collect_repos(course, read_roster(roster), get_assignment(ASSIGNMENT, course / "grading.yml",
                                                                                  require_sources=False),
                                     token=TOKEN, timeout=30)
    finally:
        server.shutdown()
    expected = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert _Recorder.seen and _Recorder.seen[0]["authorization"] == expected
    assert rows[0].status == "unreachable"
    assert argv and not any(TOKEN in arg or expected.split()[1] in arg for args in argv for arg in args)
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    for path in course.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_token_in_a_git_error_message_is_scrubbed():
    from autograder.ci.gitcmd import Git
    git = Git(TOKEN)
    leaked = f"fatal: unable to access 'https://x-access-token:{TOKEN}@github.com/o/r.git/': 403"
    assert TOKEN not in git.scrub(leaked) and "***" in git.scrub(leaked)


@pytest.mark.parametrize("roster_text, args, fragment", [
    ("id,url\nalice,/x\n", [], "must name the columns student_id, repo_url"),
    ("student_id,repo_url\nalice,/x\nalice,/y\n", [], "same folder name"),
    ("student_id,repo_url\n..,/x\n", [], "cannot be used as a folder name"),
    ("student_id,repo_url\nalice,/x\n", ["--deadline", "2026-12-01T23:59"], "no time zone"),
    ("student_id,repo_url\nalice,/x\n", ["--deadline", "tomorrow"], "not an ISO 8601 time"),
    ("student_id,repo_url\nalice,/x\n", ["--token-env", "NO_SUCH_VARIABLE_HERE"], "is not set or empty"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, roster_text, args, fragment):
    course = minimal_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text)
    proc = cli("collect-repos", str(roster), "--assignment", ASSIGNMENT, "--course", str(course), *args)
    assert proc.returncode == 2 and fragment in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert not (course / "results").exists() and not (course / "submitted").exists()


def test_an_unreachable_repository_keeps_the_earlier_submission_and_a_missed_deadline_removes_it(repos, collected,
                                                                                              tmp_path):
    course = tmp_path / "course"
    shutil.copytree(collected[0], course)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student_id,repo_url\nalice,{tmp_path / 'gone.git'}\nBob Lee,{repos['tmp'] / 'bob.git'}\n")
    assert cli("collect-repos", str(roster), "--assignment", ASSIGNMENT, "--deadline", DEADLINE,
               "--course", str(course)).returncode == 0
    rows = read_csv(course / "results" / ASSIGNMENT / "collected.csv")
    assert rows["alice"]["status"] == "unreachable" and "kept the submission collected before" in rows["alice"]["note"]
    assert rows["alice"]["commit"] == repos["shas"]["alice"][1] and (course / "submitted" / "alice" / ASSIGNMENT).is_dir()
    assert cli("collect-repos", str(roster), "--assignment", ASSIGNMENT, "--deadline", "2026-11-01T00:00:00Z",
               "--course", str(course)).returncode == 0
    rows = read_csv(course / "results" / ASSIGNMENT / "collected.csv")
    assert rows["Bob_Lee"]["status"] == "no_commit_before_deadline"
    assert not (course / "submitted" / "Bob_Lee" / ASSIGNMENT).exists()     # not a submission for this deadline
