"""Grade a class in N shards on an existing scheduler, then merge them into one run.

``autograder batch A --shard K/N`` grades share K of N: the class's student ids
sorted, then dealt round robin (student i of the sorted list goes to shard
``i mod N + 1``), so shards differ by at most one student and every machine that
sees the same ``submitted/`` folder computes the same split.  A shard stores the
engine results (``results/<A>/<student>.json`` and ``.md``) and a manifest
``results/<A>/shard-K-of-N.json``: which students it was given, the whole class
it saw, and the grading policy digest.  It records nothing in the gradebook.

``autograder merge A DIRS...`` checks that the manifests form exactly one
complete set (every K of one N, the same class as the course's ``submitted/``,
the same grading policy), copies the results into the course and runs the
ordinary batch, which finds every result up to date: it records them as
``nbgrader autograde`` would (:mod:`autograder.record`), writes the pages as
``generate_feedback`` would, ``grades.csv`` is written as by a single run.  A student whose shard stored no result (the engine failed
there) is graded again by the merge, as a single run would have.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .report import write_atomic

MANIFEST = re.compile(r"shard-(\d+)-of-(\d+)\.json")


class ShardError(Exception):
    """Shard results that cannot be merged; ``str()`` is one line saying what to do."""


@dataclass(frozen=True)
class Shard:
    index: int   # 1-based
    count: int

    @property
    def label(self) -> str:
        return f"{self.index}-of-{self.count}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N; ValueError with a one-line reason otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise ValueError(f"expected K/N such as 2/3, got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"shard {text!r}: K must be between 1 and N (N >= 1)")
    return Shard(index, count)


def share(items: list, shard: Shard, key) -> list:
    """The items of ``shard``: sorted by ``key``, dealt round robin; original order kept."""
    ordered = sorted(items, key=key)
    mine = {key(item) for i, item in enumerate(ordered) if i % shard.count == shard.index - 1}
    return [item for item in items if key(item) in mine]


def class_digest(students: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(students)).encode("utf-8")).hexdigest()


def write_manifest(results: Path, assignment: str, shard: Shard, everyone: list[str], students: list[str],
                   policy: str, lang: str) -> Path:
    path = Path(results) / f"shard-{shard.label}.json"
    write_atomic(path, json.dumps({"assignment": assignment, "shard": shard.index, "of": shard.count,
                                   "students": sorted(students), "class_size": len(everyone),
                                   "class_digest": class_digest(everyone), "policy_digest": policy,
                                   "lang": lang}, indent=1) + "\n")
    return path


@dataclass
class _Found:
    path: Path
    data: dict

    @property
    def folder(self) -> Path:
        return self.path.parent


def _manifests_in(folder: Path, assignment: str) -> list[_Found]:
    """Manifests in ``folder``, its ``<assignment>/`` or ``results/<assignment>/`` (artifact layouts)."""
    found = []
    for place in (folder, folder / assignment, folder / "results" / assignment):
        for path in sorted(place.glob("shard-*-of-*.json")) if place.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ShardError(f"{path}: not a readable shard manifest") from None
            if not (MANIFEST.fullmatch(path.name) and isinstance(data, dict) and data.get("assignment") == assignment):
                continue
            if not (isinstance(data.get("shard"), int) and isinstance(data.get("of"), int)
                    and isinstance(data.get("students"), list) and data.get("class_digest")):
                raise ShardError(f"{path}: not a complete shard manifest; run that shard again")
            found.append(_Found(path.resolve(), data))
        if found:
            break
    return found


def collect_manifests(dirs: list[str | Path], assignment: str) -> list[_Found]:
    """One complete set of shard manifests of ``assignment`` from ``dirs``, or ShardError."""
    found: dict[Path, _Found] = {}
    for folder in map(Path, dirs):
        if not folder.is_dir():
            raise ShardError(f"{folder}: no such folder")
        here = _manifests_in(folder, assignment)
        if not here:
            raise ShardError(f"{folder}: no shard results of {assignment} (shard-K-of-N.json) found; "
                             f"pass the results/{assignment}/ folder of each `autograder batch --shard` run")
        found.update((f.path, f) for f in here)
    manifests = list(found.values())
    counts = sorted({int(m.data["of"]) for m in manifests})
    if len(counts) > 1:
        raise ShardError(f"shard results of different splits ({', '.join(f'N={n}' for n in counts)}); "
                         "remove the stale shard-*-of-*.json files")
    count = counts[0]
    by_index: dict[int, _Found] = {}
    for manifest in manifests:
        index = int(manifest.data["shard"])
        if index in by_index:
            raise ShardError(f"shard {index}/{count} appears twice ({by_index[index].path} and {manifest.path})")
        by_index[index] = manifest
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in by_index]
    if missing:
        raise ShardError(f"shard {', '.join(missing)} missing: run `autograder batch {assignment} --shard K/{count}` "
                         "for it and pass its results folder")
    if len({m.data.get("class_digest") for m in manifests}) > 1:
        raise ShardError("the shards graded different classes (their submitted/ folders differ): "
                         "give every shard the same collected submissions and run them again")
    if len({m.data.get("policy_digest") for m in manifests}) > 1:
        raise ShardError("the shards graded with different grading.yml, hidden tests or engine versions: "
                         "run them again from the same commit")
    return [by_index[k] for k in range(1, count + 1)]


def merge(course_root: str | Path, assignment_name: str, dirs: list[str | Path], *, jobs: int | None = None,
          timeout: float | None = None, feedback: bool = True, csv_path: str | Path | None = None, echo=print,
          level: str | None = None):
    """Combine shard results into ``course_root`` as one ``autograder batch`` run; the BatchReport."""
    from . import batch, nbgrader_bridge as bridge
    from .config import get_assignment
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
