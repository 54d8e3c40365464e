"""CPU per feedback page: ``autograder batch``'s feedback step alone, on a class already graded.

    python benchmarks/grading.py --n 100 --no-nbgrader --keep DIR     # a graded class in DIR/ours
    python benchmarks/feedback_pages.py DIR/ours [--assignment cnn_step_by_step] [--jobs 2]
                                                [--profile FILE]

Runs :func:`autograder.course.record_feedback.generate_feedback` with ``--force`` (every page written
again, as ``nbgrader generate_feedback --force`` would) and prints the wall time and the CPU time
of this process and its forked workers, in all and per page.  ``--profile FILE`` (with
``--jobs 1``, so that the work stays in this process) writes a cProfile of it.  To compare with an
older version of the code, run it with ``PYTHONPATH`` pointing at a checkout of that version.
No assertion: the figures go into the README.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))      # after PYTHONPATH, so that an older checkout can be measured

import nbconvert.exporters  # noqa: E402,F401  (imported before the fork, as in a batch)
import nbgrader.apps  # noqa: E402,F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path, help="course root with autograded/ (see the usage above)")
    parser.add_argument("--assignment", default="cnn_step_by_step")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--profile", type=Path, help="write a cProfile here (use with --jobs 1)")
    args = parser.parse_args(argv)
    from autograder.course.record_feedback import generate_feedback
    root = args.course.resolve()
    pages = len(list((root / "autograded").glob(f"*/{args.assignment}/*.ipynb")))
    log = root / "results" / args.assignment / "batch.log"
    profile = cProfile.Profile() if args.profile else None
    before, started = os.times(), time.monotonic()
    if profile:
        profile.enable()
    ok = generate_feedback(root, args.assignment, ["--force"], jobs=args.jobs, log=log)
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    wall, after = time.monotonic() - started, os.times()
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system"))
    print(f"{pages} pages, -j {args.jobs}: wall {wall:.2f} s, CPU {cpu:.2f} s, {cpu / max(pages, 1):.3f} s CPU per page"
          + ("" if ok else f" (errors: see {log})"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
