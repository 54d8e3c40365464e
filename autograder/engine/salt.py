"""Salted seeds for the random inputs of hidden tests.

Every hidden test that draws random inputs (the ``rng`` fixture) is seeded
with ``HMAC-SHA256(salt, assignment + NUL + test id)``.  The salt is a secret
of the grading context (the authoritative deadline run, Gradescope, the
practice tier each have their own), so inputs and expected values printed in
one context's feedback say nothing about another's: a student cannot harvest
them with practice submissions and replay them in the graded run.

Where it comes from, first match wins: ``--salt TEXT`` / ``--salt-file PATH``,
the environment variable ``AUTOGRADER_SALT``, then a fixed public default
(local checks and the test suite: everyone gets the same inputs).

The salt itself never leaves the trusted process: results record only
:attr:`Salt.digest`, enough to tell which salt graded a submission and to
reproduce the grade with it, and the sandboxed worker's environment is an
allow-list that does not contain it.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ENV_VAR = "AUTOGRADER_SALT"
PUBLIC_SALT = "public"
_DIGEST_DOMAIN = b"autograder/salt-digest/v1\0"


class SaltError(ValueError):
    """The salt option or file cannot be used (one line for the user)."""


@dataclass(frozen=True)
class Salt:
    secret: str = field(repr=False)
    source: str = "default"          # option | file | environment | default

    @property
    def is_public(self) -> bool:
        return self.secret == PUBLIC_SALT

    @property
    def digest(self) -> str:
        """A short fingerprint of the salt: safe to publish, useless for guessing inputs."""
        return hashlib.sha256(_DIGEST_DOMAIN + self.secret.encode("utf-8")).hexdigest()[:16]

    def seed(self, assignment: str, test_id: str) -> int:
        """The 64-bit seed of one hidden test's random inputs."""
        message = f"{assignment}\0{test_id}".encode("utf-8")
        mac = hmac.new(self.secret.encode("utf-8"), message, hashlib.sha256).digest()
        return int.from_bytes(mac[:8], "little")


PUBLIC = Salt(PUBLIC_SALT, "default")


def resolve_salt(option: str | None = None, file: str | os.PathLike | None = None,
                 environ: dict | None = None) -> Salt:
    """The salt of this grading context: option, then file, then environment, then the public default."""
    if option is not None and file is not None:
        raise SaltError("give either --salt or --salt-file, not both")
    if option is not None:
        return _checked(option, "option", "--salt")
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not UTF-8 text"
            raise SaltError(f"cannot read the salt file {file}: {reason}") from None
        return _checked(text.strip(), "file", f"the salt file {file}")
    value = (os.environ if environ is None else environ).get(ENV_VAR)
    if value is not None and value.strip():
        return _checked(value.strip(), "environment", ENV_VAR)
    return PUBLIC


def _checked(text: str, source: str, where: str) -> Salt:
    if not text.strip():
        raise SaltError(f"{where} is empty; use a random secret, e.g. "
                        "python -c \"import secrets; print(secrets.token_hex(16))\"")
    return Salt(text, source)


@contextmanager
def salt_environment(salt: Salt | None):
    """Within the block, child grading processes (batch workers, nbgrader) inherit ``salt``
    through ``AUTOGRADER_SALT``; the previous environment comes back afterwards."""
    if salt is None:
        yield
        return
    previous = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = salt.secret
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = previous
