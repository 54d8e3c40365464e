"""Collect an assignment's hidden suites once, run them against many submissions.

One ``pytest.main`` per submission paid, every time, for configuring pytest,
importing and collecting the hidden test files and tearing it all down
again: more than the tests themselves on the numpy assignment.  Here one
pytest session collects the suites and then hands control to the caller's
``body`` from inside pytest's own ``pytest_runtestloop`` hook (the hook
pytest-xdist's workers use to run items on request), so ``body`` may grade
any number of submissions::

    def grade_class(suites):
        for notebook in notebooks:
            ... suites.run(session, reference, questions=allowed, deadline=...)

    with_suites(assignment, grade_class, salt=salt)

Each :meth:`HiddenSuites.run` runs the selected items through pytest's normal
test protocol and ends with a full teardown (``nextitem=None``), so fixtures
of every scope start afresh for the next submission: no state crosses from one
student to the next.  ``run_suites`` is the one-submission case.
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable, TypeVar

import pytest
from threadpoolctl import threadpool_limits

from . import expected
from ..feedback.hints import ExplainerError
from .runner import GradingPlugin, SuiteRun
from .salt import PUBLIC, Salt

T = TypeVar("T")

#: pytest plugins that cost time per test or per session and give the grader nothing:
#: output capture (the suites print nothing; our own redirect keeps stray output away),
#: log capture, fault handler, and the unraisable/thread-exception plugins, whose
#: session teardown runs gc.collect() repeatedly over the grader's whole heap (0.3 s each
#: with torch loaded).  No terminal reporter either: it would keep every report of a long
#: batch in memory (its --tb option is then set directly, see _Loop.pytest_configure).
_PLUGINS_OFF = ("cacheprovider", "stepwise", "randomly", "logging", "faulthandler",
                "unraisableexception", "threadexception", "terminal")


class SuiteError(Exception):
    """pytest could not even start on the hidden suites (one line, for the instructor)."""


class HiddenSuites:
    """The collected hidden tests of one assignment, inside a live pytest session."""

    def __init__(self, plugin: GradingPlugin, items: list[pytest.Item]):
        self._plugin = plugin
        self._items = items
        self.salt = plugin.salt

    @property
    def collection_errors(self) -> list[str]:
        return list(self._plugin.collection_errors)

    def run(self, session, reference, *, questions: list[str] | None = None, deadline: float | None = None,
            only: dict[str, set[str]] | None = None, helpers: bool = True) -> SuiteRun:
        """Run the tests of ``questions`` (default: all) against the worker ``session``.

        ``only`` restricts each question to the named test functions (the practice tier's public tests).
        """
        plugin = self._plugin
        plugin.begin(session, reference, deadline, helpers)
        items = [item for item in self._items if _selected(plugin.question_of(item), item, questions, only)]
        plugin.plan(items)
        started = time.monotonic()
        with _quiet():
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None   # None: tear everything down
                item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
        run = plugin.run
        run.collection_errors = self.collection_errors
        run.duration_s = time.monotonic() - started
        return run


def _selected(question: str, item, questions, only) -> bool:
    if not question or (questions is not None and question not in questions):
        return False
    return only is None or getattr(item, "originalname", item.name) in only.get(question, ())


class _Loop:
    """Takes over ``pytest_runtestloop``: pytest has collected, now ``body`` decides what runs."""

    def __init__(self, plugin: GradingPlugin, body: Callable[[HiddenSuites], T]):
        self.plugin, self.body = plugin, body
        self.streams = (sys.stdout, sys.stderr)   # the body's own output goes where the caller's goes
        self.ran = False
        self.result = None
        self.error: BaseException | None = None

    def pytest_configure(self, config):
        # The grader reads failures from the exception itself: no traceback text (pytest's default,
        # "long", parses each failing test's source file again for every failure).
        config.option.tbstyle = "no"

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        self.ran = True
        try:
            # One BLAS/OpenMP thread for the trusted side's small comparisons: on tiny arrays a second
            # thread only adds synchronisation (F.conv2d on a (2,5,7,4) input: 0.01 ms with one thread,
            # 0.1 ms with two, 15 ms with two while another grader keeps the other core busy).  Set
            # here, once the suites' imports (torch...) are loaded, so that their pools are limited too.
            with threadpool_limits(limits=1), contextlib.redirect_stdout(self.streams[0]), \
                    contextlib.redirect_stderr(self.streams[1]):
                self.result = self.body(HiddenSuites(self.plugin, list(session.items)))
        except BaseException as exc:  # noqa: BLE001 - pytest would swallow it; re-raised after pytest.main
            self.error = exc
        return True


@contextlib.contextmanager
def _quiet():
    """Stray prints of the suites or of pytest go nowhere: never onto a batch worker's result
    channel, and not into a buffer that would grow over a long batch."""
    with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        yield


#: Environment variables through which pytest takes options and plugins from the shell of whoever runs
#: the grader: a TA's ``PYTEST_ADDOPTS=-x`` would stop the hidden suites at a student's first failing
#: test, ``-k`` would deselect questions.  Grades depend on the submission, the suites and grading.yml only.
_PYTEST_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
#: Likewise the pytest plugins that happen to be installed (pytest-randomly would reorder the tests, a
#: plugin's fixtures could shadow the suites' own): none is loaded by its entry point.  That also spares
#: every grading command importing them (~50 ms).
_NO_AUTOLOAD = ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
_environment_lock = threading.Lock()
_environment_users = 0
_environment_saved: dict[str, str | None] = {}


@contextlib.contextmanager
def _without_pytest_environment():
    """The hidden suites' pytest environment, set while any thread of this process runs them."""
    global _environment_users
    with _environment_lock:
        if _environment_users == 0:
            for name in (*_PYTEST_ENVIRONMENT, _NO_AUTOLOAD[0]):
                _environment_saved[name] = os.environ.pop(name, None)
            os.environ[_NO_AUTOLOAD[0]] = _NO_AUTOLOAD[1]
        _environment_users += 1
    try:
        yield
    finally:
        with _environment_lock:
            _environment_users -= 1
            if _environment_users == 0:
                for name, value in _environment_saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
                _environment_saved.clear()


def suite_files(assignment, questions: list[str] | None = None, only: dict[str, set[str]] | None = None
                ) -> dict[Path, str]:
    """Each hidden test file of ``questions`` (default: all) and its question.

    With ``only`` (a practice kit), absent files are left out: a kit holds only
    the files that contain public tests.
    """
    files: dict[Path, str] = {}
    for question in assignment.questions:
        if questions is not None and question.name not in questions:
            continue
        for path in assignment.test_paths(question):
            if only is None or path.is_file():
                files[path] = question.name
    return files


def _imported_packages(files) -> set[str]:
    """Top-level names the files import absolutely (``import torch.nn`` -> ``torch``)."""
    names: set[str] = set()
    for path in files:
        try:
            tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.partition(".")[0])
    return names


def preload(assignment, files=None) -> Callable[[], None]:
    """Start importing the installed packages the hidden suites import, in the background.

    A one-off ``autograder grade`` spent a second importing PyTorch for the suites after
    the worker had started; this overlaps the two.  Only packages installed outside the
    course are imported here (the suites' own helper modules are pytest's to import).
    Returns the function that waits for the imports: call it before collecting, so that
    nothing else is imported at the same time as them.
    """
    course = Path(assignment.course_root).resolve()
    wanted = []
    for name in sorted(_imported_packages(suite_files(assignment) if files is None else files)):
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        origin = Path(spec.origin).resolve() if spec is not None and spec.origin else None
        if origin is not None and course not in origin.parents:
            wanted.append(name)
    if not wanted:
        return lambda: None

    def load() -> None:
        for name in wanted:
            try:
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - collection imports it again and reports the error
                pass
    thread = threading.Thread(target=load, name="preload-suite-imports", daemon=True)
    thread.start()
    return thread.join


def with_suites(assignment, body: Callable[[HiddenSuites], T], *, salt: Salt = PUBLIC,
                files: dict[Path, str] | None = None) -> T:
    """Collect ``files`` (default: all of ``assignment``'s suites) and return ``body(suites)``."""
    files = suite_files(assignment) if files is None else files
    try:
        plugin = GradingPlugin(assignment, files, salt)
    except ExplainerError as exc:
        raise SuiteError(str(exc)) from None
    loop = _Loop(plugin, body)
    if not files:   # pytest.main without files would collect the current directory
        return body(HiddenSuites(plugin, []))
    test_dir = str(assignment.source_dir)
    args = [str(p) for p in files] + [
        "--assert=plain", "--capture=no",
        *(arg for name in _PLUGINS_OFF for arg in ("-p", f"no:{name}")),
        "--import-mode=importlib", "--rootdir", test_dir, "--confcutdir", test_dir,
        "-c", str(Path(__file__).with_name("hidden_pytest.ini")),
        "-W", "ignore::DeprecationWarning",
    ]
    hidden = str(Path(test_dir) / "hidden_tests")
    sys.path.insert(0, hidden)
    try:
        with _quiet(), _without_pytest_environment():
            code = pytest.main(args, plugins=[plugin, loop])
    finally:
        expected.clear()
        sys.path.remove(hidden)
        # Helper modules of the suites must not leak into the next assignment's session.
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", "") or "").startswith(test_dir):
                del sys.modules[name]
    if loop.error is not None:
        raise loop.error
    if not loop.ran:
        raise SuiteError(f"pytest could not start on the hidden suites of {assignment.name} (exit code {int(code)})")
    return loop.result


def run_suites(session, assignment, reference, questions=None, deadline: float | None = None,
               only: dict[str, set[str]] | None = None, helpers: bool = True, salt: Salt = PUBLIC) -> SuiteRun:
    """Collect and run the hidden tests of ``questions`` once, for one submission."""
    files = suite_files(assignment, questions, only)
    return with_suites(assignment, lambda suites: suites.run(session, reference, questions=questions,
                                                             deadline=deadline, only=only, helpers=helpers),
                       salt=salt, files=files)
