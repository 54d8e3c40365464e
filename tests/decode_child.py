"""Decode hostile frames the way the grader does, each in a forked child under a memory limit.

``python tests/decode_child.py DIR [--no-limit]``: for every ``DIR/*.bin`` (one frame body each),
a child forked from this process (codec, torch and numpy already imported) resets its peak-memory
mark, sets RLIMIT_AS to its current size plus ``ALLOWANCE`` (a fixed multiple of the frame plus a
constant), runs ``codec.decode(codec.unpack_body(frame)["value"])`` and reports one JSON line:
the outcome (``CodecError``, ``ok``, ``MemoryError``, ``killed``...), how far decoding got
(``json.loads`` / ``base64.b64decode`` / ``torch.load`` calls: the work counted) and the peak
resident memory added.  Python's own safety limits are switched off first (integer digits,
recursion), so what holds is the codec's bounds.  Run against another checkout with
``PYTHONPATH=<checkout>`` to compare (``--no-limit``: measure without the memory limit).
"""
from __future__ import annotations

import json
import os
import resource
import signal
import sys
from pathlib import Path

FRAME_FACTOR = 8              # the allowance: FRAME_FACTOR x frame size ...
CONSTANT_MB = 256             # ... plus this much
ALARM_S = 120                 # safety net only: a child still decoding after this is killed


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) << 10
    return 0


def _run(frame: bytes, limit: bool) -> dict:
    import json as json_module

    import torch

    from autograder import codec, session  # noqa: F401  (session installs the archive guard)

    import base64

    calls = {"json.loads": 0, "base64.b64decode": 0, "torch.load": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper
    json_module.loads = counted("json.loads", json_module.loads)
    base64.b64decode = counted("base64.b64decode", base64.b64decode)
    torch.load = counted("torch.load", torch.load)
    sys.set_int_max_str_digits(0)
    sys.setrecursionlimit(1_000_000)
    Path("/proc/self/clear_refs").write_text("5")          # reset the peak-RSS mark
    base = _status("VmHWM")
    if limit:
        room = _status("VmSize") + FRAME_FACTOR * len(frame) + (CONSTANT_MB << 20)
        resource.setrlimit(resource.RLIMIT_AS, (room, room))
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    try:
        value = codec.decode(codec.unpack_body(frame)["value"])
        outcome, message = "ok", type(value).__name__
    except codec.CodecError as exc:
        outcome, message = "CodecError", str(exc)[:120]
    except MemoryError:
        outcome, message = "MemoryError", ""
    except BaseException as exc:  # noqa: BLE001 - reported, the test decides
        outcome, message = type(exc).__name__, str(exc)[:120]
    return {"outcome": outcome, "message": message, "calls": calls,
            "peak_added_mb": round((_status("VmHWM") - base) / 2 ** 20, 1),
            "frame_mb": round(len(frame) / 2 ** 20, 2),
            "cpu_s": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu, 2)}


def main() -> None:
    folder, limit = Path(sys.argv[1]), "--no-limit" not in sys.argv
    import torch  # noqa: F401  (imported once, before forking)

    from autograder import codec, session  # noqa: F401
    for path in sorted(folder.glob("*.bin")):
        frame = path.read_bytes()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            signal.alarm(ALARM_S)
            try:
                report = _run(frame, limit)
            except BaseException as exc:  # noqa: BLE001
                report = {"outcome": type(exc).__name__, "message": str(exc)[:120]}
            os.write(write, json.dumps(report).encode())
            os._exit(0)
        os.close(write)
        chunks = []
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)
        os.close(read)
        _, status = os.waitpid(pid, 0)
        report = json.loads(b"".join(chunks)) if chunks else {
            "outcome": "killed", "message": f"wait status {status}"}
        print(json.dumps({"bomb": path.stem, **report}), flush=True)


if __name__ == "__main__":
    main()
