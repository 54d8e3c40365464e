"""nbgrader's own gradebook code, writing into one transaction.

``nbgrader autograde`` opens a new :class:`nbgrader.api.Gradebook` (a new SQLAlchemy engine,
a table check, a course check) several times per submission and commits after every grade
cell, each commit a disk sync.  :func:`one_transaction` gives nbgrader's unchanged code one
gradebook instead: the same class, bound to a single connection whose outer transaction
is committed once at the end (or rolled back, so a failure records nothing).  nbgrader's
own ``commit()`` calls only flush (SQLAlchemy's ``join_transaction_mode="rollback_only"``),
and its ``rollback()`` calls, which it makes only just before raising an error, roll back
the whole transaction: the recording then fails and records nothing, as it should.

nbgrader's converter and preprocessors find the gradebook under the module-level name
``Gradebook``; while the block runs, that name in the modules listed in
:data:`GRADEBOOK_USERS` answers with the shared gradebook (:func:`serving`).  The forked
notebook workers of :mod:`autograder.course.record`, which only read, are served a private
in-memory :class:`SnapshotGradebook` the same way, and so are the feedback workers of
:mod:`autograder.course.record_feedback` (in the modules of :data:`FEEDBACK_READERS`).  Nothing of
nbgrader is copied.
"""
from __future__ import annotations

import contextlib
import importlib
import sqlite3
from typing import Iterator

from nbgrader.api import Gradebook
from sqlalchemy import create_engine, event
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

#: nbgrader modules that open a gradebook while autograding a submission.
GRADEBOOK_USERS = (
    "nbgrader.converters.autograde",            # Autograde.init_assignment: student, submission, timestamp
    "nbgrader.preprocessors.saveautogrades",    # grades and "No response." comments
    "nbgrader.preprocessors.latesubmissions",   # late penalties
    "nbgrader.preprocessors.overwritecells",    # reads the released cells
    "nbgrader.preprocessors.overwritekernelspec",
)

#: what opens a gradebook while ``nbgrader generate_feedback`` writes a page: nbgrader's ``GetGrades``
#: (a new engine and table check for every notebook) and our question table's hook.  Both only read.
FEEDBACK_READERS = (
    "nbgrader.preprocessors.getgrades",
    "autograder.course.feedback_page",
)


#: SQLite's page cache of the recording connection (None: SQLite's default); tests make it small.
CACHE_PAGES: int | None = None

class _HeldGradebook(Gradebook):
    """An nbgrader Gradebook that nbgrader's code gets back each time it opens one (see :func:`serving`)."""

    source_url: str
    _courses: set[str]

    def open_as(self, db_url: str, course_id: str = "default_course", authenticator=None) -> "_HeldGradebook":
        """What ``Gradebook(db_url, course_id)`` gives nbgrader's code while it is served: this gradebook,
        after the course check nbgrader's constructor makes (it adds a missing course row)."""
        if db_url != self.source_url:
            raise RuntimeError(f"nbgrader opened another gradebook ({db_url}) while recording {self.source_url}")
        if course_id not in self._courses:
            self.check_course(course_id=course_id)
            self._courses.add(course_id)
        return self

    def close(self) -> None:
        """nbgrader's code closes "its" gradebook after each step; this one stays open."""


class SharedGradebook(_HeldGradebook):
    """An nbgrader Gradebook whose commits all go into one transaction (see the module docstring)."""

    def __init__(self, db_url: str, course_id: str):
        super().__init__(db_url, course_id)          # nbgrader's own set-up: tables, course row
        self.db.remove()
        self.engine.dispose()
        self.source_url = db_url
        self.engine = create_engine(db_url, echo=False, future=True)
        # pysqlite starts transactions late (at the first write); SQLAlchemy's documented recipe: let the
        # driver do nothing and say BEGIN ourselves (IMMEDIATE: take the write lock now, so that nobody
        # else writes between our reads and our commit).
        event.listen(self.engine, "connect", _driver_autocommit)
        if CACHE_PAGES is not None:
            event.listen(self.engine, "connect",
                         lambda dbapi, _record: dbapi.execute(f"PRAGMA cache_size = {int(CACHE_PAGES)}"))
        event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        self.connection = self.engine.connect()
        self.transaction = self.connection.begin()
        self.db = scoped_session(sessionmaker(bind=self.connection, autoflush=True, future=True,
                                              join_transaction_mode="rollback_only"))
        self._courses = {course_id}

    def finish(self, commit: bool) -> None:
        try:
            self.db.remove()
            if commit and not self.transaction.is_active:
                raise RuntimeError("nbgrader rolled the gradebook transaction back; nothing was recorded")
            if commit:
                self.transaction.commit()
            else:
                self.transaction.rollback()
        finally:
            self.connection.close()
            self.engine.dispose()


def snapshot(db_url: str) -> bytes:
    """The sqlite gradebook's bytes as of now (a consistent read, whoever writes)."""
    with contextlib.closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as db:
        return db.serialize()


class SnapshotGradebook(_HeldGradebook):
    """A private, in-memory copy of a gradebook as :func:`snapshot` took it.

    The notebook workers read the released cells and kernel while the recording transaction
    writes the file.  Once that transaction outgrows SQLite's page cache it spills into the file
    and holds the exclusive lock until the commit, and readers of the file fail with "database
    is locked" (a class of 1000 did).  What the workers read does not change while recording,
    so each reads its own copy and never touches the file; what they might write stays in it.
    """

    def __init__(self, image: bytes, db_url: str, course_id: str):
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        memory.deserialize(image)
        self.source_url = db_url
        self.engine = create_engine("sqlite://", creator=lambda: memory, poolclass=StaticPool, future=True)
        self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
        self.course_id, self.authenticator = course_id, None
        self._courses = {course_id}


def _driver_autocommit(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None


@contextlib.contextmanager
def serving(gradebook: _HeldGradebook, users: tuple[str, ...] = GRADEBOOK_USERS) -> Iterator[_HeldGradebook]:
    """The code of the modules ``users`` that opens a gradebook inside the block gets ``gradebook``."""
    modules = [importlib.import_module(name) for name in users]
    saved = [module.Gradebook for module in modules]
    for module in modules:
        module.Gradebook = gradebook.open_as
    try:
        yield gradebook
    finally:
        for module, original in zip(modules, saved):
            module.Gradebook = original


@contextlib.contextmanager
def reading_copy(image: bytes, db_url: str, course_id: str,
                 users: tuple[str, ...] = GRADEBOOK_USERS) -> Iterator[SnapshotGradebook]:
    """The code of the modules ``users`` reads ``image`` (:func:`snapshot`'s bytes of ``db_url``) inside the block."""
    gradebook = SnapshotGradebook(image, db_url, course_id)
    try:
        with serving(gradebook, users):
            yield gradebook
    finally:
        gradebook.db.remove()
        gradebook.engine.dispose()


@contextlib.contextmanager
def one_transaction(db_url: str, course_id: str) -> Iterator[SharedGradebook]:
    """nbgrader's gradebook code inside the block writes into one transaction, committed if the block
    ends normally and rolled back (nothing recorded) if it raises."""
    shared = SharedGradebook(db_url, course_id)
    ok = False
    try:
        with serving(shared):
            yield shared
        ok = True
    finally:
        shared.finish(commit=ok)
