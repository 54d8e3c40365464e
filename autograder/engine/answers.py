"""Reference answers recorded once, replayed where the reference may not go.

The practice tier runs public hidden tests in the student's own repository,
where the reference solution must not be shipped.  Its tests still call
``ref.<function>(...)``; so the instructor's machine runs them once against a
:class:`RecordingReference` (the real reference, every call and attribute
written down as plain data through the worker codec), and the student's side
gets a :class:`ReplayReference` that answers exactly those calls and nothing
else.  Keys are hashes of the encoded arguments, so an answer is only given
for the very input it was recorded for.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..sandbox.inside import codec

ANSWERS_FILE = "reference_answers.json"


class NotRecorded(Exception):
    """A public test asked the reference something the practice kit did not record."""


class UnrecordableCall(Exception):
    """The reference was called with or returned a value the codec cannot carry."""


def _key(name: str, args: tuple, kwargs: dict) -> str:
    payload = codec.encode([name, list(args), {k: kwargs[k] for k in sorted(kwargs)}], strict=True)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class RecordingReference:
    """Wraps the real reference module; remembers what the tests asked of it."""

    def __init__(self, reference):
        self._reference = reference
        self.answers: dict[str, object] = {}

    def __getattr__(self, name: str):
        value = getattr(self._reference, name)
        if not callable(value):
            self.answers[f"attr:{name}"] = self._encode(value, name)
            return value

        def call(*args, **kwargs):
            try:
                key = _key(name, args, kwargs)
            except (codec.CodecError, TypeError) as exc:
                raise UnrecordableCall(f"ref.{name}() got arguments that cannot be recorded ({exc})") from None
            result = value(*args, **kwargs)
            self.answers[key] = self._encode(result, f"ref.{name}()")
            return result
        call.__name__ = name
        return call

    @staticmethod
    def _encode(value, what: str):
        try:
            return codec.encode(value, strict=True)
        except (codec.CodecError, TypeError) as exc:
            raise UnrecordableCall(f"{what} returned a value that cannot be recorded ({exc})") from None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.answers, sort_keys=True), encoding="utf-8")


class ReplayReference:
    """Answers the recorded calls; anything else raises :class:`NotRecorded`."""

    def __init__(self, path: Path):
        self._answers = json.loads(Path(path).read_text(encoding="utf-8"))

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if f"attr:{name}" in self._answers:
            return codec.decode(self._answers[f"attr:{name}"])

        def call(*args, **kwargs):
            try:
                key = _key(name, args, kwargs)
            except (codec.CodecError, TypeError):
                key = None
            if key not in self._answers:
                raise NotRecorded(f"ref.{name}() was called with inputs the practice kit has no answer for")
            return codec.decode(self._answers[key])
        call.__name__ = name
        return call
