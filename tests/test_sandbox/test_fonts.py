"""Workers start with matplotlib's font list built once by the grader (autograder/sandbox/fonts.py).

Without it, every worker's first ``import matplotlib.pyplot`` scans the machine's fonts again: matplotlib
then logs "generated new fontManager", which is what these tests count (never a time).
"""
from __future__ import annotations

import pytest

from autograder.sandbox import fonts, launch
from autograder.sandbox.session import Limits, WorkerSession

pytest.importorskip("matplotlib")

LIMITS = Limits(call_timeout_s=10, load_timeout_s=60)
# Records whether matplotlib built its font list while the cell imported it, what MPLCONFIGDIR held
# once matplotlib was imported (its font manager not yet), and that the folder did not exist before that.
PROBE = """import io, logging, os
seen = io.StringIO()
log = logging.getLogger("matplotlib.font_manager")
log.addHandler(logging.StreamHandler(seen))
log.setLevel(logging.INFO)
untouched = not os.path.exists(os.environ["MPLCONFIGDIR"])
import matplotlib
config = os.environ["MPLCONFIGDIR"]
before = sorted(os.listdir(config)) if os.path.isdir(config) else []
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0]); plt.title("x")
plt.gcf().canvas.draw()
def f():
    return ["generated new fontManager" in seen.getvalue(), before, untouched]
"""


@pytest.fixture(scope="module")
def level() -> str:
    return launch.probe()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fonts")
    path = fonts.build_font_list(folder)
    assert path is not None and path.parent == folder and path.name.startswith("fontlist-v")
    assert list(folder.iterdir()) == [path]          # the private build folder is gone
    return folder


def _import_matplotlib(level: str) -> list:
    """(font list rebuilt, what MPLCONFIGDIR held); nothing is made in the worker's home before matplotlib is
    imported."""
    with WorkerSession([PROBE], limits=LIMITS, level=level) as session:
        report = session.start()
        assert report.cells[0].status == "ok", report.cells[0]
        rebuilt, before, untouched = session.call("f").value
    assert untouched is True
    return rebuilt, before


def test_a_worker_starts_with_the_built_font_list(level, built, monkeypatch):
    monkeypatch.setattr(fonts, "FONT_LIST_DIR", built)
    rebuilt, before = _import_matplotlib(level)
    assert before == [p.name for p in fonts.font_lists(built)]
    assert rebuilt is False


def test_without_a_built_list_the_worker_builds_its_own(level, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "FONT_LIST_DIR", tmp_path / "none")
    rebuilt, before = _import_matplotlib(level)
    assert (rebuilt, before) == (True, [])


def test_a_broken_list_costs_only_the_rebuild(level, built, tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in fonts.font_lists(built):
        (broken / path.name).write_text('{"_version": "0", "ttflist": [')
    monkeypatch.setattr(fonts, "FONT_LIST_DIR", broken)
    rebuilt, before = _import_matplotlib(level)
    assert rebuilt is True and before == [p.name for p in fonts.font_lists(broken)]
