"""Keep student-controlled text from speaking to the GitHub Actions runner.

The runner reads every line a step prints: a line starting with ``::``
(``::add-mask::``, ``::stop-commands::``, ``::set-output``, ``::error``...) or
the legacy ``##[`` is a workflow command, and ``$GITHUB_OUTPUT`` is parsed line
by line as ``name=value``.  Feedback quotes what student code raised or
printed, so everything we echo (log, job summary, release body) goes through
:func:`neutralize`, and every output value through :func:`output_line`.
"""
from __future__ import annotations

import re

_LINE_BREAKS = re.compile(r"(\r\n|\r|\n|\x0b|\x0c|\x1c|\x1d|\x1e|\x85|\u2028|\u2029)")
_ZERO_WIDTH_SPACE = "\u200b"
_OUTPUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _defuse(line: str) -> str:
    body = line.lstrip()
    if body.startswith("::") or body.startswith("##["):
        lead = len(line) - len(body)
        # A zero-width space between the two marker characters: the line reads the
        # same to a person but no longer starts with the command marker.
        return line[:lead] + body[0] + _ZERO_WIDTH_SPACE + body[1:]
    return line


def neutralize(text: str) -> str:
    """``text`` with every line that would be a workflow command defused (on any line break)."""
    parts = _LINE_BREAKS.split(str(text))
    return "".join(part if i % 2 else _defuse(part) for i, part in enumerate(parts))


def output_line(name: str, value: str) -> str:
    """One ``name=value`` line for ``$GITHUB_OUTPUT``: no line break can smuggle a second output."""
    if not _OUTPUT_NAME.match(name):
        raise ValueError(f"not a valid output name: {name!r}")
    flat = _LINE_BREAKS.sub(" ", str(value))
    return f"{name}={flat}\n"


def notice(title: str, message: str) -> str:
    """A ``::notice`` command of ours, with title and message escaped as the runner expects."""
    def escape_data(s: str) -> str:
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def escape_property(s: str) -> str:
        return escape_data(s).replace(":", "%3A").replace(",", "%2C")
    return f"::notice title={escape_property(title)}::{escape_data(message)}"
