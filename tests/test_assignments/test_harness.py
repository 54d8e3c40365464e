"""Shipped harness functions: public scaffolding that runs in the worker next to student code."""
from __future__ import annotations

import pytest

from autograder.sandbox.session import Limits, StudentMissing, WorkerSession

HARNESS = '''
def describe_double(namespace, values):
    """Build an object in the worker, give it to the student's function, return plain data."""
    box = {"values": list(values)}
    result = namespace["double_all"](box)
    return {"same_object": result is box, "values": box["values"]}
'''

CELLS = ["def double_all(box):\n    box['values'] = [2 * v for v in box['values']]\n    return box"]


@pytest.fixture
def shipped(tmp_path):
    (tmp_path / "harness_mod.py").write_text(HARNESS)
    return tmp_path


def test_harness_gets_the_notebook_namespace(shipped):
    with WorkerSession(CELLS, limits=Limits(call_timeout_s=5), shipped_dir=shipped) as session:
        session.start()
        result = session.call("harness_mod:describe_double", [1, 2, 3]).value
    assert result == {"same_object": True, "values": [2, 4, 6]}


@pytest.mark.parametrize("name", ["harness_mod:nope", "no_such_module:describe_double", "os.path:join", "x:__import__('os')"])
def test_unknown_or_malformed_harness_is_missing(shipped, name):
    with WorkerSession(CELLS, limits=Limits(call_timeout_s=5), shipped_dir=shipped) as session:
        session.start()
        with pytest.raises(StudentMissing):
            session.call(name, [1])
