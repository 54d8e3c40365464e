"""``autograder merge A DIRS...``: combine the shards of a class into one ordinary batch run.

The manifests must form exactly one complete set (every K of one N, the same class as the course's
``submitted/``, the same grading policy; :func:`autograder.course.shards.collect_manifests`).  The shards'
results are copied into the course and the ordinary batch runs, which finds every result up to date: it
records them as ``nbgrader autograde`` would (:mod:`autograder.course.record`), writes the pages as
``generate_feedback`` would, and ``grades.csv`` as a single run does.  A student whose shard stored no result
(the engine failed there) is graded again by the merge, as a single run would have.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import batch
from . import nbgrader_bridge as bridge
from ..config import get_assignment
from .shards import ShardError, class_digest, collect_manifests


def merge(course_root: str | Path, assignment_name: str, dirs: list[str | Path], *, jobs: int | None = None,
          timeout: float | None = None, feedback: bool = True, csv_path: str | Path | None = None, echo=print,
          level: str | None = None):
    """Combine shard results into ``course_root`` as one ``autograder batch`` run; the BatchReport."""
    root = Path(course_root).resolve()
    assignment = get_assignment(assignment_name, root / "grading.yml")
    manifests = collect_manifests(dirs, assignment.name)
    coursedir = bridge.course_directory(root)
    here = [s.student for s in batch.find_submissions(coursedir, assignment)]
    first = manifests[0].data
    if class_digest(here) != first["class_digest"]:
        raise ShardError(f"this course's submitted/ holds {len(here)} submissions of {assignment.name}, not the "
                         f"class of {first['class_size']} the shards graded: merge where the same submissions are")
    if bridge.policy_digest(assignment) != first["policy_digest"]:
        raise ShardError("the shards graded with another grading.yml, hidden tests or engine version than this "
                         "course: merge from the same commit")
    results = root / bridge.RESULTS_DIR / assignment.name
    copied = 0
    for manifest in manifests:
        for student in manifest.data["students"]:
            for suffix in (".json", ".md"):
                src, dest = manifest.folder / f"{student}{suffix}", results / f"{student}{suffix}"
                if src.is_file() and src.resolve() != dest.resolve():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dest)
                    copied += suffix == ".json"
    echo(f"merging shards 1..{len(manifests)}/{len(manifests)} of {assignment.name}: "
         f"{sum(len(m.data['students']) for m in manifests)} students"
         + (f", {copied} results copied" if copied else ""))
    report = batch.run_batch(root, assignment.name, jobs=jobs, timeout=timeout, lang=first["lang"],
                             feedback=feedback, csv_path=csv_path, echo=echo, level=level)
    if report.graded:
        echo(f"  ! {report.graded} submission(s) had no up-to-date shard result and were graded by the merge")
    return report
