"""Checking the helper answers a worker gave while speculating.

The reference-helper rule (ARCHITECTURE.md, exercise conventions 7) grades a function with the
reference versions of the helpers it calls.  Answering each helper call with a round trip to the
grader cost most of a submission's grading time: ``conv_forward`` calls ``conv_single_step`` once
per output position, some 700 round trips per submission.  So a call that has helpers first runs
*speculatively*: in the worker, each helper call is answered by the student's own helper, and
the call's arguments and answer are logged (``worker._Speculation``).  Here, every logged call is
run through the reference helper.  Only if every answer is exactly the reference's (same codec
encoding: same types, dtypes, shapes, bits, order) did the function see what it would have seen
with the reference, and its outcome stands; otherwise the session calls again, without
speculation, and the student's helpers are never consulted.

Nothing the worker sends is trusted: a malformed or forged log fails the check, and the call is
simply made again the old way.
"""
from __future__ import annotations

import json
import time
from typing import Callable

from .inside import codec

#: A time-out during speculation stands only if the student's own helpers took less than this share
#: of the time limit (else the reference might have finished in time: call again without).
HELPER_SHARE_OF_TIMEOUT = 0.1

#: Helper calls a worker logs in one call before it stops speculating (sent with the call); a longer
#: log is refused unread, so that checking one costs the grader no more than a call's round trips.
MAX_LOG = 20_000


def _canonical(encoded) -> str | None:
    """The encoding as text: equal text means equal values for the student (1 vs 1.0, -0.0 vs 0.0 differ)."""
    try:
        return json.dumps(encoded, allow_nan=False)
    except (TypeError, ValueError):
        return None


def answers_match(report, helpers: dict[str, Callable], counts: dict[str, int],
                  deadline: float | None = None) -> bool:
    """Whether every helper answer in the worker's ``report`` is the reference's, checked before
    ``deadline`` (``time.monotonic()``); on success the calls are added to ``counts`` (helper
    name -> calls), as round trips would have been."""
    if type(report) is not dict or report.get("spoiled") is not False:
        return False
    log = report.get("log")
    if type(log) is not list or len(log) > MAX_LOG:
        return False
    seen: dict[str, int] = {}
    for index, entry in enumerate(log):
        if deadline is not None and index % 256 == 255 and time.monotonic() > deadline:
            return False
        if type(entry) is not dict or type(entry.get("name")) is not str:
            return False
        helper = helpers.get(entry["name"])
        if helper is None:
            return False
        try:
            args, kwargs = codec.decode(entry.get("args")), codec.decode(entry.get("kwargs"))
            if type(args) is not list or type(kwargs) is not dict:
                return False
            expected = codec.encode(helper(*args, **kwargs), strict=True)
        except Exception:  # noqa: BLE001 - malformed entry, or the reference refuses: not the same answer
            return False
        answer = _canonical(entry.get("value"))
        if answer is None or answer != _canonical(expected):
            return False
        seen[entry["name"]] = seen.get(entry["name"], 0) + 1
    for name, calls in seen.items():
        counts[name] = counts.get(name, 0) + calls
    return True


def helper_seconds(report) -> float:
    """Time the student's own helpers took while speculating (as the worker says; infinite if unsaid)."""
    value = report.get("helper_s") if type(report) is dict else None
    return float(value) if type(value) in (int, float) and value >= 0 else float("inf")
