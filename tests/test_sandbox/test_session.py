"""WorkerSession: data round trips, helper callbacks, and hostile student code.

Notebooks are lists of cell sources.  Each attack must leave the grader process
unharmed and the *next* call working (the session restarts the worker).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from autograder.sandbox.inside import codec
from autograder.sandbox import launch as sandbox
from autograder.sandbox.inside.codec import Unsupported
from autograder.sandbox.session import (CallResult, Limits, StudentCrash, StudentException,
                                StudentMissing, StudentProtocolError, StudentTimeout, WorkerSession)

FAST = Limits(call_timeout_s=2, load_timeout_s=20)

NOTEBOOK = [
    "import numpy as np",
    # student's own (buggy) helper: forgets to pad
    "def zero_pad(X, pad):\n    return X\n",
    "def conv_like(X, pad):\n    Xp = zero_pad(X, pad)\n    return Xp.shape, float(Xp.sum())\n",
    "raise ValueError('cell 3 is broken')",
    "def later():\n    return 'still defined'\n",
    "def echo(*args, **kwargs):\n    return args, kwargs\n",
    "def double_in_place(a):\n    a *= 2\n    return None\n",
    "def todo(x):\n    raise NotImplementedError('fill me in')\n",
    "def helper_name():\n    return zero_pad.__name__, zero_pad(np.zeros((1, 1, 1, 1)), 1).shape\n",
    "def loud(n):\n    for _ in range(n):\n        print('x' * 1_000_000)\n    return 'done'\n",
    "not_a_function = 3",
]


def ref_zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))


@pytest.fixture(scope="module")
def session():
    with WorkerSession(NOTEBOOK, limits=FAST) as s:
        s.start()
        yield s


def _fresh(cells, limits=FAST, **kw):
    s = WorkerSession(cells, limits=limits, **kw)
    s.start()
    return s


# ---------------------------------------------------------------- loading
def test_cell_errors_are_recorded_and_later_cells_run(session):
    report = session.load_report
    assert [c.status for c in report.cells] == ["ok"] * 3 + ["error"] + ["ok"] * 7
    err = report.cells[3].error
    assert (err.type_name, err.message, err.line) == ("ValueError", "cell 3 is broken", 1)
    assert session.call("later").value == "still defined"
    assert {"zero_pad", "conv_like", "echo"} <= set(report.names)
    assert "not_a_function" not in report.names and report.level == session.level


def test_syntax_error_and_error_line_inside_cell():
    with _fresh(["x = 1\n\ny = (\n", "a = 1\nb = 2\nc = undefined_name\n", "ok = 1"]) as s:
        c = s.load_report.cells
        assert c[0].error.type_name == "SyntaxError"
        assert (c[1].error.type_name, c[1].error.line) == ("NameError", 3)
        assert c[2].status == "ok"


def test_hanging_or_crashing_cell_is_skipped_and_the_rest_loads():
    cells = ["import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass",
             "import os\nos._exit(7)", "def f():\n    return 'loaded'"]
    with _fresh(cells, Limits(call_timeout_s=2, load_timeout_s=1.0)) as s:
        assert [c.status for c in s.load_report.cells] == ["timeout", "crash", "ok"]
        assert "code 7" in s.load_report.cells[1].error.message
        assert s.call("f").value == "loaded"


def test_notebook_builtins_and_input_fails_fast():
    cells = ["get_ipython().run_line_magic('matplotlib', 'inline')\ndisplay('x')\nprint(In, Out)",
             "name = input('your name? ')",
             "import sys\ndef ask():\n    return input()\n",
             "def mod():\n    return __name__, sys.stdin.read()\n",
             "def ann(x: int):\n    pass\nANN = ann.__annotations__['x'] is int\ndef ann_ok():\n    return ANN\n"]
    with _fresh(cells) as s:
        st = s.load_report.cells
        assert st[0].status == "ok"
        assert (st[1].error.type_name, st[1].error.message) == (
            "RuntimeError", "input() is not available during grading")
        with pytest.raises(StudentException) as ei:   # raised at once: waiting would end in StudentTimeout
            s.call("ask")
        assert ei.value.type_name == "RuntimeError"
        assert s.call("mod").value == ("__main__", "")  # stdin is /dev/null
        # cells compile like a notebook's: no `from __future__` inherited from worker.py
        assert s.call("ann_ok").value is True


# --------------------------------------------------------------- round trip
def test_values_round_trip_with_exact_types_and_dtypes(session):
    args = (np.arange(6, dtype=np.int16).reshape(2, 3), np.float32(1.5), np.float64(2.0),
            np.bool_(True), np.int64(-3), np.zeros((0, 4), np.float32),
            np.asfortranarray(np.arange(4.0).reshape(2, 2)), 7, 2.5, True, None, "é",
            [1, (2, 3)], {"stride": 2, "pad": 0}, math.nan, -math.inf)
    res = session.call("echo", *args, hp={"f": 2})
    assert isinstance(res, CallResult) and math.isfinite(res.duration_s) and res.duration_s >= 0
    got, kwargs = res.value
    assert type(got) is tuple and len(got) == len(args) and kwargs == {"hp": {"f": 2}}
    for a, b in zip(args, got):
        assert type(a) is type(b), (a, b)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
            assert b.flags.writeable
        elif isinstance(a, np.generic):
            assert a.dtype == b.dtype and a == b
        elif isinstance(a, float) and math.isnan(a):
            assert math.isnan(b)
        else:
            assert a == b
    assert type(got[12][1]) is tuple


def test_return_args_shows_in_place_mutation(session):
    a = np.ones(3)
    res = session.call("double_in_place", a, return_args=True)
    assert res.value is None and np.array_equal(res.args_after[0], [2, 2, 2])
    assert np.array_equal(a, np.ones(3))  # the grader's copy is untouched


def test_torch_tensors_round_trip_and_forged_tensor_pickle_is_rejected(tmp_path):
    torch = pytest.importorskip("torch")
    marker = tmp_path / "pwned"
    cells = ["import torch, pickle, os\n"
             "def grad_tensor(t):\n    return (t * 2).requires_grad_(True), t.dtype == torch.float32\n",
             "class Evil:\n    def __reduce__(self):\n"
             f"        return (os.system, ('touch {marker}',))\n"
             "def forged():\n"
             "    torch.save = lambda obj, f, *a, **k: f.write(pickle.dumps(Evil()))\n"
             "    return torch.zeros(2)\n"]
    with _fresh(cells, Limits(call_timeout_s=30, load_timeout_s=60)) as s:
        t, same = s.call("grad_tensor", torch.arange(3, dtype=torch.float32)).value
        assert type(t) is torch.Tensor and t.dtype == torch.float32 and t.requires_grad and same
        assert torch.equal(t.detach(), torch.tensor([0.0, 2.0, 4.0]))
        with pytest.raises(StudentProtocolError):
            s.call("forged")
    assert not marker.exists()


# ------------------------------------------------------------ helper stubs
def test_helpers_are_answered_by_the_grader_and_globals_restored(session, monkeypatch):
    """The round-trip path (a call without speculation; see test_speculation.py for the other)."""
    monkeypatch.setattr(WorkerSession, "speculate", False)
    seen = []

    def spy(X, pad):
        seen.append((X.shape, pad))
        return ref_zero_pad(X, pad)

    X = np.ones((2, 3, 3, 1))
    res = session.call("conv_like", X, 1, helpers={"zero_pad": spy})
    assert res.value == ((2, 5, 5, 1), 18.0) and seen == [((2, 3, 3, 1), 1)]
    assert res.helper_calls == {"zero_pad": 1}
    # the student's own zero_pad is back: no padding happens without helpers
    assert session.call("conv_like", X, 1).value == ((2, 3, 3, 1), 18.0)
    assert session.call("helper_name").value == ("zero_pad", (1, 1, 1, 1))


def test_helper_not_defined_in_notebook_is_removed_after_the_call():
    cells = ["def uses():\n    return conv_single_step(1, 2)\n"]
    with _fresh(cells) as s:
        assert s.call("uses", helpers={"conv_single_step": lambda a, b: a + b}).value == 3
        with pytest.raises(StudentException) as ei:
            s.call("uses")
        assert ei.value.type_name == "NameError"


def test_helper_exception_reaches_student_code_as_exception():
    cells = ["def careful():\n    try:\n        return zero_pad('bad', 1)\n"
             "    except ValueError as e:\n        return 'caught: ' + str(e)\n"]

    def strict(X, pad):
        raise ValueError("X must be an array")

    with _fresh(cells) as s:
        assert s.call("careful", helpers={"zero_pad": strict}).value == "caught: X must be an array"


def test_many_helper_round_trips_in_one_call(session):
    """Hundreds of helper callbacks within one student call all reach the grader and come back.
    (Their speed is a measurement, in the README, not an assertion: machines are noisy.)"""
    cells = ["def many(X, n):\n    for _ in range(n):\n        X = zero_pad(X, 0) + 1\n    return X.shape, float(X.max())\n"]
    calls = []

    def counting_zero_pad(X, pad):
        calls.append(X.shape)
        return ref_zero_pad(X, pad)

    with _fresh(cells) as s:
        X = np.zeros((2, 4, 4, 3))
        assert s.call("many", X, 300, helpers={"zero_pad": counting_zero_pad}).value == ((2, 4, 4, 3), 300.0)
    assert len(calls) == 300


# --------------------------------------------------------- failures of calls
def test_missing_function_and_not_implemented(session):
    with pytest.raises(StudentMissing):
        session.call("pool_forward")
    with pytest.raises(StudentMissing):
        session.call("not_a_function")
    with pytest.raises(StudentException) as ei:
        session.call("todo", 1)
    assert ei.value.type_name == "NotImplementedError" and ei.value.message == "fill me in"
    assert "cell 7, line 2, in todo" in ei.value.traceback
    assert "worker.py" not in ei.value.traceback  # only notebook frames


def test_sys_exit_and_os_exit_inside_a_call():
    cells = ["import sys, os\ndef leave():\n    sys.exit(0)\n", "def die():\n    os._exit(3)\n",
             "def ok():\n    return 1\n"]
    with _fresh(cells) as s:
        with pytest.raises((StudentException, StudentCrash)):
            s.call("leave")
        assert s.call("ok").value == 1
        with pytest.raises(StudentCrash) as ei:
            s.call("die")
        assert "code 3" in ei.value.message
        assert s.call("ok").value == 1 and s.restarts == 1


def test_infinite_loop_ignoring_signals_times_out_and_next_call_works():
    cells = ["import signal\ndef spin():\n"
             "    for sig in (signal.SIGTERM, signal.SIGALRM, signal.SIGINT, signal.SIGXCPU):\n"
             "        signal.signal(sig, signal.SIG_IGN)\n"
             "    while True:\n        pass\n", "def ok():\n    return 'alive'\n"]
    with _fresh(cells) as s:
        with pytest.raises(StudentTimeout):
            s.call("spin", timeout=1.0)
        assert s.call("ok").value == "alive"


def test_segfault_is_a_crash_with_the_signal_named():
    with _fresh(["import ctypes\ndef boom():\n    return ctypes.string_at(0)\n"]) as s:
        with pytest.raises(StudentCrash) as ei:
            s.call("boom")
        assert "SIGSEGV" in ei.value.message


def test_unbounded_memory_allocation_is_stopped():
    cells = ["def hog():\n    chunks = []\n    while True:\n"
             "        chunks.append(bytearray(64 << 20))\n", "def ok():\n    return 2\n"]
    with _fresh(cells, Limits(call_timeout_s=5, load_timeout_s=20, memory_mb=1024)) as s:
        with pytest.raises((StudentException, StudentCrash)) as ei:
            s.call("hog")
        if isinstance(ei.value, StudentException):
            assert ei.value.type_name == "MemoryError"
        assert s.call("ok").value == 2


# ---------------------------------------------------------------- floods
def test_stdout_flood_is_capped_and_never_blocks(session):
    res = session.call("loud", 50)   # blocking on a full pipe would end in StudentTimeout  # 50 MB through print()
    assert res.value == "done" and len(res.stdout) < 5000
    cells = ["import os, sys\ndef flood():\n"
             "    for _ in range(50):\n        os.write(1, b'y' * 1_000_000)\n"
             "        sys.__stderr__.write('z' * 100_000)\n    return 'flooded'\n",
             "for _ in range(20):\n    print('q' * 1_000_000)\n"]
    with _fresh(cells) as s:
        assert s.load_report.cells[1].status == "ok" and len(s.load_report.cells[1].output) < 2000
        assert s.call("flood").value == "flooded"
        assert len(s.output_tail()) <= FAST.output_kb << 10


# ------------------------------------------------------ lying return values
def test_subclasses_and_lying_objects_come_back_unsupported(tmp_path):
    marker = tmp_path / "pwned"
    cells = ["import numpy as np, os\n"
             "class Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
             "    def __array_ufunc__(self, *a, **k):\n        return True\n",
             "class Always:\n    def __eq__(self, other):\n        return True\n"
             "    def __reduce__(self):\n"
             f"        return (os.system, ('touch {marker}',))\n",
             "class F64(np.float64):\n    def __eq__(self, other):\n        return True\n",
             "def liar():\n    return np.zeros(3).view(Liar)\n",
             "def always():\n    return [Always(), {'k': Always()}]\n",
             "def odd():\n    loop = []\n    loop.append(loop)\n"
             "    return F64(1), (i for i in range(3)), {1: 2}, loop, np.array([Always()], dtype=object)\n"]
    with _fresh(cells) as s:
        liar = s.call("liar").value
        assert type(liar) is Unsupported and "Liar" in liar.type_name
        assert not (liar == np.zeros(3))
        a, d = s.call("always").value
        assert type(a) is Unsupported and type(d["k"]) is Unsupported
        assert a != 1 and not (a == object())
        f64, gen, intkeys, loop, objarr = s.call("odd").value
        for v in (f64, gen, intkeys, objarr):
            assert type(v) is Unsupported, v
        assert type(loop) is list  # recursion stops at the depth limit
    assert not marker.exists()


def test_monkeypatching_numpy_and_codec_in_worker_does_not_affect_grader():
    cells = ["import numpy as np, sys\n"
             "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
             "import codec\ncodec.encode = lambda *a, **k: 'owned'\n",
             "def wrong():\n    return np.zeros(3)\n"]
    with _fresh(cells) as s:
        got = s.call("wrong").value
    assert type(got) is np.ndarray
    assert not np.allclose(got, np.ones(3)) and not np.array_equal(got, np.ones(3))


def test_forged_and_garbage_channel_messages_are_protocol_errors():
    cells = ["import os, sys, json, struct\n"
             "FD = int(sys.argv[sys.argv.index('--fd-out') + 1])\n"
             "def raw(h):\n    os.write(FD, bytes.fromhex(h))\n    return 1\n"
             "def forge(text):\n    body = text.encode()\n"
             "    os.write(FD, struct.pack('>I', len(body)) + body)\n    return 1\n",
             "def ok():\n    return 'ok'\n"]
    with _fresh(cells) as s:
        for attack in ("ffffffff", b"\x00\x00\x00\x05nojsn".hex()):
            with pytest.raises(StudentProtocolError):
                s.call("raw", attack)
            assert s.call("ok").value == "ok"
        bad_values = [{"__evil__": 1}, {"__ndarray__": "!!notbase64"}, [[[[[[[[[[[[]]]]]]]]]]]],
                      {"__npscalar__": codec._b64(codec._npy_bytes(np.zeros(2)))}]
        for value in bad_values:
            nest = value
            if isinstance(value, list):  # deeper than any limit
                for _ in range(200):
                    nest = [nest]
            with pytest.raises(StudentProtocolError):
                s.call("forge", json.dumps({"op": "result", "id": s._seq + 1, "value": nest}))
        # an npy with an object dtype would need pickle: refused
        import base64
        import io
        buf = io.BytesIO()
        np.save(buf, np.array([1, "a"], dtype=object), allow_pickle=True)
        with pytest.raises(StudentProtocolError):
            s.call("forge", json.dumps({"op": "result", "id": s._seq + 1, "stdout": "",
                             "value": {"__ndarray__": base64.b64encode(buf.getvalue()).decode()}}))
        assert s.call("ok").value == "ok"


def test_codec_decode_limits_and_strict_encode():
    with pytest.raises(codec.CodecError):
        codec.decode({"a": 1, "b": 2})
    with pytest.raises(codec.CodecError):
        codec.decode({"__dict__": {"x": {"__tuple__": 3}}})
    nested = []
    for _ in range(codec.MAX_DEPTH + 5):
        nested = [nested]
    with pytest.raises(codec.CodecError):
        codec.decode(nested)
    with pytest.raises(codec.CodecError):
        codec.encode(object(), strict=True)
    assert type(codec.decode(codec.encode(np.zeros(2).view(np.matrix)))) is Unsupported


def test_probed_level_is_used(session):
    assert session.level == sandbox.probe()
    assert session.ping()["op"] == "pong"
