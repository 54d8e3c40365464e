"""Run git on repositories that students control, with a token that must never leak.

Students own the repositories: nothing of theirs may run or configure git here.
Every command gets ``core.hooksPath=/dev/null``, no fsmonitor, no submodules, a
protocol allow-list (https, ssh, git; ``file`` only when the roster itself names
a local repository, plain ``http`` only to the loopback host, as the tests do),
no terminal prompt, and a wall-clock
limit after which its whole process group is killed.  Only bare repositories of
our own are used (no checkout, so no ``.gitattributes`` filters run); files are
read out of them blob by blob.

A token (``--token-env VAR``) reaches git as an ``http.<origin>/.extraHeader``
through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` in the
environment of the git process: never in argv (visible to every user in
``ps``), never in a URL, never in a file.  It is scoped to the scheme and host of
each repository URL, and every message that comes back from git is scrubbed of
it (and of its base64 form) before anyone prints it.
"""
from __future__ import annotations

import base64
import os
import signal
import subprocess
from urllib.parse import urlsplit, urlunsplit

#: Environment variables of the caller that could point git at other repositories or config.
_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
         "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
         "GIT_CEILING_DIRECTORIES", "GIT_PROTOCOL_FROM_USER", "GIT_ALLOW_PROTOCOL")

_SAFE_CONFIG = ("core.hooksPath=/dev/null", "core.fsmonitor=false", "submodule.recurse=false",
                "fetch.recurseSubmodules=false", "protocol.allow=never", "protocol.https.allow=always",
                "protocol.ssh.allow=always", "protocol.git.allow=always", "credential.interactive=never",
                "advice.detachedHead=false", "init.defaultBranch=main", "gc.auto=0", "maintenance.auto=false")


class GitError(Exception):
    """A git command failed; ``str()`` is one scrubbed line."""


def is_local(url: str) -> bool:
    """A path or file:// URL (the tests' stand-in for GitHub)."""
    return url.startswith(("/", "./", "../", "file://")) or (":" not in url and "@" not in url)


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def display_url(url: str) -> str:
    """``url`` without any user:password part, for messages and reports."""
    parts = urlsplit(url)
    if parts.scheme and parts.netloc and "@" in parts.netloc:
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return url


def check_url(url: str) -> str | None:
    """Why ``url`` is refused, or None: option injection and transports that run commands."""
    if url.startswith("-"):
        return "a repository URL cannot start with '-'"
    if "::" in url.split("/", 1)[0]:
        return "remote helpers (<transport>::<address>) are not allowed"
    if any(ch in url for ch in "\n\r\0"):
        return "the repository URL contains a control character"
    return None


class Git:
    """git with a hardened configuration, an optional token and a time limit per command."""

    def __init__(self, token: str | None = None, timeout: float = 300.0):
        self.token = token or None
        self.timeout = timeout

    # -- secrets --------------------------------------------------------------------
    def _header(self) -> str:
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return f"Authorization: Basic {basic}"

    def scrub(self, text: str) -> str:
        """``text`` with the token (plain, base64, in URLs) replaced by ***."""
        if self.token:
            secrets = {self.token, base64.b64encode(f"x-access-token:{self.token}".encode()).decode()}
            for secret in sorted(secrets, key=len, reverse=True):
                text = text.replace(secret, "***")
        return text

    def _env(self, url: str | None, extra: dict | None) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in _DROP and not k.startswith("GIT_CONFIG_")}
        env.update(GIT_TERMINAL_PROMPT="0", GIT_PROTOCOL_FROM_USER="0", LC_ALL="C", LANGUAGE="C")
        env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        config = []
        if self.token and url and urlsplit(url).scheme in ("http", "https"):
            parts = urlsplit(url)
            origin = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], "/", "", ""))
            config.append((f"http.{origin}.extraHeader", self._header()))
        for index, (key, value) in enumerate(config):
            env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key, value
        env["GIT_CONFIG_COUNT"] = str(len(config))
        env.update(extra or {})
        return env

    # -- running ----------------------------------------------------------------------
    def run(self, args: list[str], *, git_dir: str | os.PathLike | None = None, url: str | None = None,
            input: bytes | None = None, extra_env: dict | None = None, timeout: float | None = None) -> bytes:
        """Run ``git args`` and return its stdout; GitError (scrubbed, one line) on failure or timeout."""
        options = [part for item in _SAFE_CONFIG for part in ("-c", item)]
        if url and is_local(url):
            options += ["-c", "protocol.file.allow=always"]
        elif url and is_loopback_http(url):   # a local test server or mirror; plain http elsewhere never
            options += ["-c", "protocol.http.allow=always"]
        command = ["git", *options] + ([f"--git-dir={git_dir}"] if git_dir else []) + list(args)
        limit = timeout or self.timeout
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=self._env(url, extra_env), start_new_session=True)
        except OSError as exc:
            raise GitError(f"cannot run git: {exc.strerror}") from None
        try:
            out, err = proc.communicate(input, timeout=limit)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            raise GitError(f"git {args[0]} took longer than {limit:g} s and was stopped") from None
        if proc.returncode != 0:
            lines = [line.strip() for line in self.scrub(err.decode("utf-8", "replace")).splitlines() if line.strip()]
            reason = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "")
            raise GitError(reason.removeprefix("fatal: ").removeprefix("error: ")[:300] or
                           f"git {args[0]} failed (exit {proc.returncode})")
        return out
