"""The grader's side of the worker channel under hostile input (issue 23, section 1).

Everything a worker sends is under the student's control.  Whatever it sends, the grader must end
with a clean protocol error (or a value), allocate no more than a fixed multiple of the frame,
do a bounded amount of work, never crash; and a hostile function must cost only its own question.
Random frames (hypothesis) and hand-built bombs of every payload type (tests/bombs.py) go into
``codec.unpack_body``/``codec.decode`` directly, into a child process under a memory limit
(tests/decode_child.py), and into a live session through a real worker that forges its replies.
"""
from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bombs
from autograder.sandbox.inside import codec
from autograder.sandbox import torch_archive
from autograder.engine.question_budget import STRIKES, GivenUp, QuestionBudget, QuestionBudgetSpent
from autograder.sandbox.session import (Limits, StudentCrash, StudentProtocolError, StudentTimeout,
                                WorkerSession)

torch = pytest.importorskip("torch")
HERE = Path(__file__).resolve().parents[1]   # tests/: decode_child.py and bombs.py are helpers there
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _decode_frame(body: bytes):
    """What the session does with a reply: parse the frame, decode its value."""
    return codec.decode(codec.unpack_body(body).get("value"))


def _tensor_frame(archive: bytes) -> bytes:
    return bombs.frame(bombs.tensor_value(archive))


# ------------------------------------------------------------ torch archives
def test_torch_writer_stores_every_record_uncompressed_and_the_guard_accepts_it():
    """The premise of torch_archive: torch 2.13 never compresses.  A new torch that did would fail here
    (and its tensors would be refused as protocol errors), not silently let bombs through."""
    import io
    import zipfile
    assert codec.archive_guard is torch_archive.check
    dtypes = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.uint8, torch.int16,
              torch.int32, torch.int64, torch.bool, torch.complex64, torch.complex128, torch.uint16, torch.uint64]
    for dtype in dtypes:
        for shape in [(), (0,), (3, 4), (2, 0, 5), (70_000,)]:
            tensor = torch.ones(shape, dtype=dtype)
            raw = bombs.torch_archive(tensor)
            for info in zipfile.ZipFile(io.BytesIO(raw)).infolist():
                assert info.compress_type == zipfile.ZIP_STORED and info.compress_size == info.file_size
            back = _decode_frame(bombs.frame(json.dumps(codec.encode(tensor)).encode()))
            assert back.dtype == dtype and back.shape == tensor.shape and torch.equal(back, tensor)


def test_a_rewritten_archive_is_accepted_so_each_refusal_below_is_its_own_change():
    raw = bombs.rezip(bombs.torch_archive(torch.arange(6.0)))
    assert torch.equal(_decode_frame(_tensor_frame(raw)), torch.arange(6.0))


@pytest.mark.parametrize("name, archive, reason", [
    ("compressed storage (zip bomb)", lambda: bombs.zip_bomb_archive(64 << 20), "compressed entry"),
    ("storage declared 3 GiB", lambda: bombs.declared_size_archive(3 << 30), "outside the archive"),
    ("5000 entries", lambda: bombs.rezip(bombs.torch_archive(torch.zeros(6)),
                                         extra=[(f"archive/x{i}", b"") for i in range(5000)]), "entries"),
    ("duplicate name (case folded)", lambda: bombs.rezip(bombs.torch_archive(torch.zeros(6)),
                                                         extra=[("ARCHIVE/DATA/0", bytes(24))]), "duplicate"),
    ("global outside torch's set", lambda: bombs.rezip(bombs.torch_archive(torch.zeros(6)), lambda n, d: (
        n, d.replace(b"ccollections\nOrderedDict\n", b"cbuiltins\nbytearray\n"), 0)), "global"),
    ("huge data.pkl", lambda: bombs.rezip(bombs.torch_archive(torch.zeros(6)), lambda n, d: (
        n, d[:-1] + b"N0" * 20_000 + b".", 0) if n.endswith("data.pkl") else (n, d, 0)), "data.pkl"),
    ("stride-0 view of 1e9 elements", lambda: bombs.stride_zero_archive(10 ** 9), "contiguous"),
    ("storage count disagreeing with its record", lambda: bombs.rezip(bombs.torch_archive(torch.zeros(6)),
        lambda n, d: (n, bombs._numel(d, 6, 10 ** 6) if n.endswith("data.pkl") else d, 0)), "RuntimeError"),
])
def test_hostile_tensor_archives_are_refused(name, archive, reason, monkeypatch):
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(1) or real_load(*a, **k))
    with pytest.raises(codec.CodecError, match=reason):
        _decode_frame(_tensor_frame(archive()))
    # Refused before torch reads anything, except what only the loaded tensor can show.
    assert len(loads) == (1 if reason in ("contiguous", "RuntimeError") else 0), name


@FUZZ
@given(st.data())
def test_mutated_torch_archives_decode_or_refuse_within_their_size(data):
    raw = bytearray(bombs.torch_archive(torch.arange(12, dtype=torch.float32).reshape(3, 4)))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    try:
        tensor = _decode_frame(_tensor_frame(bytes(raw)))
    except codec.CodecError:
        return
    assert type(tensor) is torch.Tensor and tensor.numel() * tensor.element_size() <= len(raw)


@FUZZ
@given(st.binary(max_size=400), st.binary(max_size=64))
def test_random_bytes_and_truncated_archives_are_refused_cleanly(noise, tail):
    raw = bombs.torch_archive(torch.zeros(3))
    for candidate in (noise, noise + raw[-98:], raw[:len(noise) % len(raw)], raw[len(tail):], raw + tail):
        try:
            torch_archive.check(candidate)
        except codec.CodecError:
            continue
        assert candidate == raw     # only the untouched archive passes (appending anything moves its end records)


# ------------------------------------------------------------------- .npy
@pytest.mark.parametrize("header, version, data, reason", [
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", 1, 16, "wrong size"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", 3, 16, "version"),
    ("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 1, 16, "not allowed"),
    ("{'descr': [('x', '<f8', (4000, 4000))], 'fortran_order': False, 'shape': (8,), }", 1, 64, "not allowed"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1, " * 3000 + "), }", 1, 8, "too long"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (" + "1, " * 40 + "), }", 1, 8, "shape"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 1, 47, "wrong size"),
])
def test_hostile_npy_headers_are_refused(header, version, data, reason):
    with pytest.raises(codec.CodecError, match=reason):
        _decode_frame(bombs.frame(bombs.npy_value(bombs.npy_header(header, version, bytes(data)))))


@FUZZ
@given(st.data())
def test_mutated_npy_decode_or_refuse_within_their_size(data):
    dtype = data.draw(st.sampled_from(["<f8", ">i4", "|b1", "<c8", "<U3", "|u1", "<f2"]))
    shape = tuple(data.draw(st.lists(st.integers(0, 4), max_size=3)))
    raw = bytearray(bombs.npy(np.zeros(shape, dtype=dtype)))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, min(len(raw) - 1, 140)))   # mostly the header
        raw[at] = data.draw(st.integers(0, 255))
    try:
        arr = _decode_frame(bombs.frame(bombs.npy_value(bytes(raw))))
    except codec.CodecError:
        return
    assert type(arr) is np.ndarray and arr.nbytes <= len(raw) and codec.plain_dtype(arr.dtype)


def test_arrays_of_other_dtypes_travel_as_unsupported_markers_not_protocol_errors():
    for array in (np.zeros(2, dtype=[("a", "<f8")]), np.zeros(2, dtype="V3"), np.zeros((1,) * 40)):
        assert type(codec.decode(codec.encode(array))) is codec.Unsupported
    for array in (np.arange(6.0).reshape(2, 3).T, np.array(["ab", "c"]), np.zeros((2, 0)), np.array(2.5)):
        back = codec.decode(json.loads(json.dumps(codec.encode(array))))
        assert back.dtype == array.dtype and np.array_equal(back, array)


# -------------------------------------------------------------------- JSON
@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_are_a_message_or_a_codec_error(body):
    try:
        msg = codec.unpack_body(body)
    except codec.CodecError:
        return
    assert type(msg) is dict and type(msg["op"]) is str


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20)
_NOISE = st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b",", b":", b"9" * 2000, b"[" * 300, b"\\u0000",
                          b'{"__ndarray__":"AAAA"}', b'{"__tensor__":{"data":"UEsFBg==","requires_grad":true}}'])


@FUZZ
@given(_JSON, st.lists(st.tuples(st.integers(0, 400), _NOISE), max_size=4))
def test_mutated_frames_decode_or_end_in_a_codec_error(value, edits):
    body = bytearray(codec.pack({"op": "result", "id": 1, "value": codec.encode(value)})[4:])
    for at, noise in edits:
        body[at:at] = noise
    try:
        _decode_frame(bytes(body))
    except codec.CodecError:
        pass


def test_nesting_is_counted_outside_strings_only():
    """A string-unaware count refuses the first frame; one that forgets escaped quotes accepts the last."""
    limit = codec._MAX_FRAME_DEPTH
    shallow_text = json.dumps("[{" * 5000 + '\\"[' * 500 + "\\\\")
    assert codec.unpack_body(bombs.frame(shallow_text.encode()))
    for depth, ok in ((limit, True), (limit + 1, False)):   # many brackets, so the depth is really measured
        body = b'{"op":"x","pad":[' + b"[]," * 300 + b'[]],"v":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
        if ok:
            assert codec.unpack_body(body)["op"] == "x"
        else:
            with pytest.raises(codec.CodecError, match="nested"):
                codec.unpack_body(body)
    hidden = b'{"op":"x","s":"\\\\\\"]]]]","v":' + b"[" * limit + b"]" * limit + b"}"
    with pytest.raises(codec.CodecError, match="nested"):
        codec.unpack_body(hidden)


def test_integer_literals_are_bounded_whatever_pythons_own_limit():
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)          # e.g. PYTHONINTMAXSTRDIGITS=0 in the grader's environment
    try:
        with pytest.raises(codec.CodecError, match="integer"):
            codec.unpack_body(bombs.frame(b"7" * 5000))
        assert codec.unpack_body(bombs.frame(str(-2 ** 4000).encode()))["value"] == -2 ** 4000
    finally:
        sys.set_int_max_str_digits(before)


def test_a_full_speculation_log_is_not_refused():
    """The element cap must leave room for the largest honest reply: a log of speculation.MAX_LOG helper calls."""
    from autograder.sandbox import speculation
    arg = codec.encode(np.zeros((1, 3, 3, 2)))
    entry = {"name": "conv_single_step", "args": [arg, arg, arg], "kwargs": codec.encode({}),
             "value": codec.encode(np.float64(1.5))}
    reply = {"op": "result", "id": 3, "value": codec.encode((np.zeros(2), [1, 2], {"stride": 1})),
             "speculated": {"spoiled": False, "helper_s": 0.1, "log": [entry] * speculation.MAX_LOG}}
    assert len(codec.unpack_body(codec.pack(reply)[4:])["speculated"]["log"]) == speculation.MAX_LOG


# ------------------------------------------------- bombs under a memory limit
def test_bombs_end_in_a_protocol_error_with_bounded_memory_and_work(tmp_path):
    """Each bomb decoded in a child whose address space is limited to 8 x frame + 256 MiB more than it
    had (decode_child.py): it must end in a CodecError (not MemoryError, not killed), having stopped
    before the expensive step.  Before these bounds: the zip bomb took 1 GiB per 1.3 MB frame, 20M empty
    dicts 1.4 GiB per 57 MB frame, 100k nested lists killed the process (SIGSEGV)."""
    for name, body in bombs.all_bombs(inflated=64 << 20, big=12_000_000).items():
        (tmp_path / f"{name}.bin").write_bytes(body)
    proc = subprocess.run([sys.executable, str(HERE / "decode_child.py"), str(tmp_path)], capture_output=True,
                          text=True, timeout=300, env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    reports = {r["bomb"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert len(reports) == len(list(tmp_path.glob("*.bin")))
    for name, report in reports.items():
        expected = "ok" if name == "json_string_astral" else "CodecError"   # a big string is bounded, not hostile
        assert report["outcome"] == expected, (name, report)
        assert report["peak_added_mb"] <= 8 * report["frame_mb"] + 256, (name, report)
        calls = report["calls"]
        if name.startswith("json_") and name != "json_string_astral" and name != "json_int_1M_digits":
            assert calls["json.loads"] == 0, (name, calls)          # refused before parsing
        if name.startswith("tensor_") and "stride0" not in name:
            assert calls["torch.load"] == 0, (name, calls)          # refused before torch read it


# -------------------------------------------------------------- live session
FORGER = ["import os, sys\n"
          "FD = int(sys.argv[sys.argv.index('--fd-out') + 1])\n"
          "def forge(body_b64):\n"
          "    import base64, struct\n"
          "    body = base64.b64decode(body_b64)\n"
          "    os.write(FD, struct.pack('>I', len(body)) + body)\n"
          "    return 1\n",
          "def ok():\n    return 'ok'\n"]


@pytest.fixture(scope="module")
def forger():
    with WorkerSession(FORGER, limits=Limits(call_timeout_s=10, load_timeout_s=20)) as s:
        s.start()
        yield s


def _forge(s: WorkerSession, value: bytes):
    body = bombs.frame(value, call_id=s._seq + 1)
    return s.call("forge", base64.b64encode(body).decode())


@pytest.mark.parametrize("value", [
    bombs.tensor_value(bombs.zip_bomb_archive(64 << 20)),
    bombs.tensor_value(bombs.stride_zero_archive(10 ** 9)),
    bombs.npy_value(bombs.npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (10**6, 10**6), }")),
    b"[" * 5000 + b"]" * 5000,
    b"9" * 100_000,
    b"[" + b"{}," * 600_000 + b"{}]",
], ids=["zip_bomb", "stride0", "npy_shape", "nested", "bigint", "dicts"])
def test_forged_bombs_through_a_live_worker_are_protocol_errors(forger, value):
    with pytest.raises(StudentProtocolError):
        _forge(forger, value)
    assert forger.call("ok").value == "ok"      # a fresh worker, the session goes on


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=200) | _JSON.map(lambda v: json.dumps(codec.encode(v)).encode()))
def test_random_forged_replies_never_break_the_session(forger, value):
    try:
        _forge(forger, value)
        accepted = True        # a well-formed forgery is the function's answer...
    except StudentProtocolError:
        accepted = False
    if accepted:               # ...and the worker's real reply, read next, is one to another request
        with pytest.raises(StudentProtocolError, match="another request"):
            forger.call("ok")
    assert forger.call("ok").value == "ok"


# -------------------------------------------------------- the time limit, shared
def test_each_question_reserves_its_share_and_unused_time_flows_on():
    budget = QuestionBudget(100.0, {"a": 2, "b": 1, "c": 1}, min_share_s=5.0)
    budget.start("a", now=0.0)
    assert budget.time_left("a", now=0.0) == pytest.approx(50.0)        # 2 of 4 tests
    budget.start("b", now=10.0)                                          # a used 10 s of its 50
    assert budget.time_left("b", now=10.0) == pytest.approx(45.0)       # half of the 90 s left
    budget.start("b", now=30.0)                                          # not reserved again
    assert budget.time_left("b", now=30.0) == pytest.approx(25.0)
    with pytest.raises(QuestionBudgetSpent):
        budget.check("b", "b", now=56.0)
    budget.start("c", now=99.0)
    assert budget.time_left("c", now=99.0) == pytest.approx(1.0)        # at least min_share, never past the end


def test_strikes_protocol_errors_at_once_crashes_and_timeouts_twice():
    budget = QuestionBudget(None, {}, 0.0)
    budget.failed("f", StudentProtocolError("x"))
    with pytest.raises(GivenUp) as info:
        budget.check("q", "f")
    assert not info.value.timeouts_only and info.value.failures == 1
    budget.failed("g", StudentCrash("x"))
    assert budget.check("q", "g") is None
    budget.failed("g", StudentTimeout("x"))
    with pytest.raises(GivenUp):
        budget.check("q", "g")
    for _ in range(STRIKES):
        budget.failed("h", StudentTimeout("x"))
    with pytest.raises(GivenUp) as info:
        budget.check("q", "h")
    assert info.value.timeouts_only


GRADING = """
defaults:
  feedback_language: en
  limits: {call_timeout_s: 3, load_timeout_s: 10, submission_timeout_s: 20}
assignments:
  tiny:
    notebook: tiny.ipynb
    questions:
      - {name: forged, points: 10, tests: [hidden_tests/test_forged.py]}
      - {name: dies, points: 10, tests: [hidden_tests/test_dies.py]}
      - {name: slow, points: 10, tests: [hidden_tests/test_slow.py]}
      - {name: double, points: 10, tests: [hidden_tests/test_double.py]}
"""
HIDDEN = {name: f"""
import pytest

@pytest.mark.parametrize("k", range({count}))
def test_{name}(student, k):
    assert student(k) == {answer}
""" for name, count, answer in (("forged", 20, "k"), ("dies", 20, "k"), ("slow", 3, "k"), ("double", 40, "2 * k"))}
# Each worker start costs 1 s (a slow first cell): 20 hostile calls, each followed by a restart, need
# more than the 20 s limit, and 'double', graded after them, would not run (as before issue 23).
# 'slow' never fails, but its 3 calls of 2 s each need more than its share (3 s: one call's limit,
# as its 3 tests are few next to the 40 of 'double').
SLOW_START = "import time\ntime.sleep(1)\n"
FORGED = ("import os, sys, struct\nFD = int(sys.argv[sys.argv.index('--fd-out') + 1])\n"
          "def forged(k):\n    body = b'{\"op\":\"result\",\"id\":0,\"value\":' + b'[' * 300 + b']' * 300 + b'}'\n"
          "    os.write(FD, struct.pack('>I', len(body)) + body)\n    return k\n")
DIES = "import os\ndef dies(k):\n    os._exit(3)\n"
SLOW = "import time\ndef slow(k):\n    time.sleep(2)\n    return k\n"


def test_a_hostile_function_costs_only_its_own_question(tmp_path):
    import nbformat

    from autograder.config import get_assignment
    from autograder.engine.grader import grade_notebook
    root = tmp_path / "course"
    hidden = root / "source" / "tiny" / "hidden_tests"
    hidden.mkdir(parents=True)
    (root / "grading.yml").write_text(GRADING, encoding="utf-8")
    for name, text in HIDDEN.items():
        (hidden / f"test_{name}.py").write_text(text, encoding="utf-8")
    double = "def double(x):\n    return 2 * x"
    cells = {root / "source" / "tiny" / "tiny.ipynb": ["def forged(k):\n    return k", "def dies(k):\n    return k",
                                                       "def slow(k):\n    return k", double],
             tmp_path / "s.ipynb": [SLOW_START, FORGED, DIES, SLOW, double]}
    for path, sources in cells.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
        nbformat.write(nb, path)
    result = grade_notebook(tmp_path / "s.ipynb", get_assignment("tiny", root / "grading.yml"))
    by_name = {q.name: q for q in result.questions}
    assert by_name["double"].score == by_name["double"].max_score, [t.output for t in by_name["double"].tests]
    for name, calls in (("forged", 1), ("dies", STRIKES)):   # calls made before giving up, read off the outputs
        outputs = [t.output for t in by_name[name].tests]
        assert by_name[name].score == 0
        assert all("not run" not in text for text in outputs[:calls]), outputs
        assert all(f"failed on {calls} earlier" in text and "not run" in text for text in outputs[calls:]), outputs
    slow = by_name["slow"].tests
    assert slow[0].score > 0 and all("share of the time limit" in t.output for t in slow[1:]), [t.output for t in slow]


def test_the_worker_reads_any_notebook_the_grader_sends():
    """The frame audit guards the grader only: a cell with more commas than a worker's reply may hold still loads."""
    cells = ["X = [" + "0," * (codec.MAX_FRAME_ITEMS + 10) + "0]\n", "def size():\n    return len(X)\n"]
    with WorkerSession(cells, limits=Limits(call_timeout_s=10, load_timeout_s=30)) as s:
        assert [c.status for c in s.start().cells] == ["ok", "ok"]
        assert s.call("size").value == codec.MAX_FRAME_ITEMS + 11
