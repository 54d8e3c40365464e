"""Write ``_inside_expected.py``: the values the visible checks expect (instructor's script, never released).

The visible checks must not contain the reference code, so they compare with
values computed once here, with the reference solutions of the source notebook,
on the examples that ``inside_checks.cases`` builds::

    python source/cnn_inside/hidden_tests/make_check_expected.py
    python -m autograder release cnn_inside

``tests/test_cnn_inside_checks.py`` recomputes them and fails when they are stale.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SOURCE = Path(__file__).resolve().parents[1]
ROOT = SOURCE.parents[1]


def _literal(value) -> str:
    if isinstance(value, np.ndarray):
        return f"_a({_literal(value.tolist())}, {str(value.dtype)!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + "".join(f"{_literal(v)}, " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return repr(int(value))
    if isinstance(value, (float, np.floating)):
        return "nan" if np.isnan(value) else repr(float(value))
    raise TypeError(type(value))


def expected_values(reference, checks) -> dict:
    out = {}
    for name in checks.FUNCTIONS:
        out[name] = {}
        for key, args in checks.cases(name):
            value = checks.summarise(name, getattr(reference, name)(*args))
            out[name][key] = checks._private("_inside_check_run")._arrays(value)
    return out


def render(values: dict) -> str:
    lines = ['"""Expected results of the visible checks (written by the instructor\'s script; do not edit)."""',
             "import numpy as np", "", "nan = float(\"nan\")", "", "", "def _a(values, dtype):",
             "    return np.array(values, dtype=dtype)", "", "", "EXPECTED = {"]
    for name, by_case in values.items():
        lines.append(f"    {name!r}: {{")
        for key, value in by_case.items():
            lines.append(f"        {key!r}: {_literal(value)},")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.path[:0] = [str(SOURCE), str(ROOT)]
    from autograder.engine.reference import load_reference
    import inside_checks
    text = render(expected_values(load_reference(SOURCE / "cnn_inside.ipynb"), inside_checks))
    (SOURCE / "_inside_expected.py").write_text(text, encoding="utf-8")
    print(f"wrote {SOURCE / '_inside_expected.py'} ({len(text)} characters)")


if __name__ == "__main__":
    main()
