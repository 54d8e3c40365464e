"""A GitHub-hosted runner, simulated faithfully enough to catch what breaks on a real one (test helper).

What GitHub does, and what this does too:

* every ``run:`` step runs as an unprivileged user that has passwordless ``sudo`` (here a throw-away
  system user made for the test module; no stand-in ``sudo``: the real one, from the Debian package),
  as ``bash --noprofile --norc -eo pipefail {0}``, cwd ``GITHUB_WORKSPACE``;
* ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_ENV`` are files the step appends to (a fresh one
  per step), ``RUNNER_TEMP`` a folder of that user; ``env:`` of workflow, job and step; ``${{ }}``
  expressions and ``if:`` conditions (with the implicit ``success()``) are evaluated;
* ``uses:`` steps are emulated minimally: checkout = a copy of the repository owned by the user;
  setup-python and the install step = this test environment's Python first on ``PATH`` (no pip
  install of torch); upload-artifact = every file under ``path`` must be readable by the user, or the
  step fails, as the real action does; download-artifact = a copy owned by the user.

The test Python may live where an unprivileged user cannot reach it (``/root/.pyenv``): each step
then runs in a private mount namespace where only the interpreter's folder is made reachable, so
the user runs exactly the interpreter the tests run, and nothing else of root's.
"""
from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
FAKE_TOKENS = {"GITHUB_TOKEN": "ghs_faketoken1234567890", "ACTIONS_RUNTIME_TOKEN": "runtime-secret-0987",
               "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "oidc-secret-5555",
               "ACTIONS_ID_TOKEN_REQUEST_URL": "https://oidc.invalid/token?secret=7777"}
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


#: The context of a push to the default branch (what every practice workflow runs on).
PUSH = {"github": {"event_name": "push", "ref": "refs/heads/main", "ref_name": "main",
                   "event": {"repository": {"default_branch": "main"}}}}


class Unavailable(Exception):
    """The machine cannot host the simulation; ``str()`` is the reason to skip with."""


@contextlib.contextmanager
def hosted_runner(prefix: str):
    """A :class:`Runner` in a new folder under /tmp, closed and removed afterwards; the test is skipped, with
    the reason, where this machine cannot host one (not root, no sudo)."""
    import pytest
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        try:
            host = Runner(base)
        except Unavailable as exc:
            pytest.skip(str(exc))
        try:
            yield host
        finally:
            host.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _needs() -> None:
    if os.geteuid() != 0:
        raise Unavailable("the runner simulation creates a user with sudo: the tests must run as root")
    for tool in ("sudo", "useradd", "userdel", "unshare", "setpriv"):
        if shutil.which(tool) is None:
            raise Unavailable(f"{tool} is missing (scripts/install-sandbox.sh installs sudo; util-linux the rest)")


def _blocked_ancestors(paths: list[Path]) -> dict[Path, set[str]]:
    """Folders a stranger cannot pass on the way to ``paths``, with the child each path needs."""
    blocked: dict[Path, set[str]] = {}
    for path in paths:
        parts = Path(os.path.realpath(path)).parts
        for i in range(1, len(parts) - 1):
            folder = Path(*parts[:i + 1])
            if not folder.stat().st_mode & stat.S_IXOTH:
                blocked.setdefault(folder, set()).add(parts[i + 1])
                break
    return blocked


@dataclass
class Artifacts:
    """The run's artifact store: name -> folder (root's), as the service keeps them."""
    root: Path
    names: dict[str, Path] = field(default_factory=dict)


class Runner:
    """One unprivileged user with passwordless sudo, and the means to run workflow jobs as it."""

    def __init__(self, base: Path):
        _needs()
        self.base = base
        self.name = f"agrun{os.getpid() % 100000}"
        self.home = base / "home"
        subprocess.run(["userdel", self.name], capture_output=True)    # left over by a killed run
        for attempt in range(20):   # another test process may hold /etc/passwd's lock a moment
            made = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", str(self.home),
                                   "--shell", "/bin/bash", self.name], capture_output=True, text=True)
            if made.returncode != 10:   # 10: cannot lock the password file
                break
            time.sleep(0.2)
        if made.returncode != 0:
            raise Unavailable(f"useradd {self.name} failed: {made.stderr.strip()}")
        self.sudoers = Path("/etc/sudoers.d") / self.name
        self.sudoers.write_text(f"{self.name} ALL=(ALL) NOPASSWD: ALL\n")
        self.sudoers.chmod(0o440)
        entry = pwd.getpwnam(self.name)
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.home.mkdir(parents=True)
        self.own(self.home)
        base.chmod(0o755)
        self.keep = Path(tempfile.mkdtemp(prefix="keep-", dir=base))      # root's, 0700
        needed = [Path(sys.executable), Path(sys.prefix), Path(sys.base_prefix), Path(__file__).parents[1]]
        blocked = _blocked_ancestors(needed)
        lines = []
        for n, (folder, children) in enumerate(sorted(blocked.items())):
            for m, child in enumerate(sorted(children)):
                lines.append(f"mkdir -p {self.keep}/{n}-{m} && mount --bind {folder / child} {self.keep}/{n}-{m}")
            lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {folder}")
            for m, child in enumerate(sorted(children)):
                lines.append(f"mkdir -p {folder / child} && mount --bind {self.keep}/{n}-{m} {folder / child}")
        self.mounts = "".join(line + "\n" for line in lines)
        probe = self.shell("python -c 'import autograder, numpy, sys; print(sys.executable)'", cwd=self.home,
                           env=self.base_env(self.home, self.home))
        if probe.returncode != 0:
            self.close()
            raise Unavailable(f"user {self.name} cannot run the test Python: {probe.stderr.strip()[-300:]}")

    def close(self) -> None:
        self.sudoers.unlink(missing_ok=True)
        subprocess.run(["userdel", self.name], capture_output=True)

    def own(self, path: Path) -> None:
        """Make ``path`` (a tree) the user's, as files it made itself would be."""
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                os.chown(os.path.join(folder, name), self.uid, self.gid, follow_symlinks=False)
        os.chown(path, self.uid, self.gid)

    def base_env(self, workspace: Path, temp: Path) -> dict[str, str]:
        return {"PATH": f"{BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME": str(self.home), "USER": self.name, "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true",
                "RUNNER_OS": "Linux", "RUNNER_TEMP": str(temp), "GITHUB_WORKSPACE": str(workspace), **FAKE_TOKENS}

    def shell(self, script: str, *, cwd: Path, env: dict[str, str], timeout: float = 600):
        """Run ``script`` as the user, the way a ``run:`` step runs (bash -eo pipefail, a script file)."""
        fd, path = tempfile.mkstemp(suffix=".sh", dir=self.home)
        with os.fdopen(fd, "w") as handle:
            handle.write(script)
        os.chmod(path, 0o644)
        become = (f'exec setpriv --reuid={self.uid} --regid={self.gid} --init-groups -- '
                  f'bash --noprofile --norc -eo pipefail "$0"')
        try:
            return subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-ec",
                                   self.mounts + become, path], cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        finally:
            os.unlink(path)

    def unreadable(self, files: list[Path]) -> list[str]:
        """Those of ``files`` the user cannot read (what upload-artifact would fail on)."""
        if not files:
            return []
        script = 'for f in "$@"; do [ -r "$f" ] && head -c1 "$f" >/dev/null 2>&1 || echo "$f"; done\n'
        proc = subprocess.run(["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups", "--",
                               "bash", "-c", script, "check", *map(str, files)], capture_output=True, text=True)
        return proc.stdout.splitlines()


# ------------------------------------------------------------------ expressions
class _Ctx(dict):
    """A context object: missing keys are null (''), as in GitHub's expressions."""

    def __getattr__(self, name):
        value = self.get(name, self.get(name.replace("_", "-"), ""))
        return _Ctx(value) if isinstance(value, dict) else value


_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def evaluate(expr: str, ctx: dict, status: str = "success"):
    """A GitHub expression over our workflows' vocabulary (contexts, ==, !=, &&, ||, !, status functions)."""
    text = expr.strip()
    text = re.sub(r"(?<![=!<>])!(?!=)", " not ", text).replace("&&", " and ").replace("||", " or ")
    text = text.replace("true", "True").replace("false", "False")
    names = {key: _Ctx(value) if isinstance(value, dict) else value for key, value in ctx.items()}
    names.update(always=lambda: True, cancelled=lambda: False, success=lambda: status == "success",
                 failure=lambda: status == "failure", format=lambda f, *a: re.sub(
                     r"\{(\d+)\}", lambda m: str(a[int(m.group(1))]), f))
    return eval(text, {"__builtins__": {}}, names)   # our own generated workflows only


def substitute(value, ctx: dict):
    if isinstance(value, str):
        return _EXPR.sub(lambda m: _text(evaluate(m.group(1), ctx)), value)
    return value


def _text(value) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def condition(expr, ctx: dict, status: str) -> bool:
    if expr is None:
        return status == "success"
    text = str(expr).strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    if not re.search(r"\b(always|cancelled|success|failure)\(", text):
        text = f"success() && ({text})"
    return bool(evaluate(text, ctx, status))


# ------------------------------------------------------------------ jobs
@dataclass
class JobRun:
    status: str
    log: str
    outputs: dict[str, str]
    summary: str
    workspace: Path
    temp: Path
    steps: list[tuple[str, str]]          # (name, outcome)


def _upload(runner: Runner, store: Artifacts, inputs: dict, workspace: Path) -> str:
    name = inputs.get("name", "artifact")
    patterns = [p.strip() for p in str(inputs["path"]).splitlines() if p.strip()]
    hidden = str(inputs.get("include-hidden-files", "false")).lower() == "true"
    files: list[Path] = []
    for pattern in patterns:
        full = pattern if os.path.isabs(pattern) else str(workspace / pattern)
        for match in sorted(glob.glob(full, recursive=True)):
            match = Path(match)
            found = [match] if match.is_file() else [p for p in sorted(match.rglob("*")) if p.is_file()]
            for f in found:
                rel = f.relative_to(match) if match.is_dir() else Path(f.name)
                if hidden or not any(part.startswith(".") for part in rel.parts):
                    files.append(f)
    if not files:
        if inputs.get("if-no-files-found", "warn") == "error":
            raise AssertionError(f"upload-artifact {name}: no files found at {patterns}")
        return f"upload-artifact {name}: no files"
    bad = runner.unreadable(files)
    if bad:
        raise AssertionError(f"upload-artifact {name}: {runner.name} cannot read {bad[:5]}")
    if name in store.names and str(inputs.get("overwrite", "false")).lower() != "true":
        raise AssertionError(f"upload-artifact {name}: an artifact with this name exists (no overwrite: true)")
    root = Path(os.path.commonpath([str(f.parent) for f in files]))
    dest = store.root / name
    shutil.rmtree(dest, ignore_errors=True)
    for f in files:
        target = dest / f.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    store.names[name] = dest
    return f"upload-artifact {name}: {len(files)} files"


def _download(runner: Runner, store: Artifacts, inputs: dict, workspace: Path) -> str:
    path = workspace / inputs.get("path", ".")
    if "name" in inputs:
        chosen = {inputs["name"]: path}
    else:
        pattern = re.compile(inputs["pattern"].replace("*", ".*") + "$")
        chosen = {n: path / n for n in store.names if pattern.match(n)}
    for name, dest in chosen.items():
        if name not in store.names:
            raise AssertionError(f"download-artifact: no artifact {name}")
        shutil.copytree(store.names[name], dest, dirs_exist_ok=True)
    path.mkdir(parents=True, exist_ok=True)
    runner.own(workspace)
    return f"download-artifact {sorted(chosen)}"


def run_job(runner: Runner, workflow: dict, job_id: str, *, repository: Path, work: Path, store: Artifacts,
            context: dict, secrets: dict, skip: dict[str, str] | None = None, matrix: dict | None = None,
            replace: dict[str, str] | None = None) -> JobRun:
    """Run one job (one matrix entry) as the runner would.

    ``skip``: step-name fragment -> why the step is emulated (an install the test environment has);
    ``replace``: step-name fragment -> a script run instead (as the same user, the same way).
    """
    job = workflow["jobs"][job_id]
    workspace, temp = work / "workspace", work / "temp"
    workspace.mkdir(parents=True)
    temp.mkdir()
    runner.own(work)
    ctx = {**context, "secrets": secrets, "matrix": matrix or {}, "runner": {"temp": str(temp), "os": "Linux"},
           "env": {}}
    env = runner.base_env(workspace, temp)
    for scope in (workflow.get("env") or {}, job.get("env") or {}):
        for key, value in scope.items():
            env[key] = ctx["env"][key] = substitute(str(value), ctx)
    status, logs, outputs, summary, outcomes = "success", [], {}, "", []
    for step in job["steps"]:
        label = step.get("name") or step.get("uses") or step.get("run", "")[:40]
        if not condition(step.get("if"), ctx, status):
            outcomes.append((label, "skipped"))
            continue
        step_env = dict(env)
        for key, value in (step.get("env") or {}).items():
            step_env[key] = substitute(str(value), ctx)
        inputs = {k: substitute(str(v), ctx) for k, v in (step.get("with") or {}).items()}
        uses = step.get("uses", "").split("@")[0]
        try:
            if uses == "actions/checkout":
                shutil.copytree(repository, workspace, dirs_exist_ok=True, symlinks=True)
                runner.own(workspace)
                logs.append("checkout")
            elif uses == "actions/setup-python":
                wanted = inputs.get("python-version", "")
                assert wanted == PYTHON_VERSION, f"setup-python {wanted}: this machine has {PYTHON_VERSION} only"
                logs.append(f"setup-python {wanted}: the test environment's Python first on PATH")
            elif uses == "actions/upload-artifact":
                logs.append(_upload(runner, store, inputs, workspace))
            elif uses == "actions/download-artifact":
                logs.append(_download(runner, store, inputs, workspace))
            elif uses:
                raise AssertionError(f"no emulation of {uses}")
            elif any(fragment in label for fragment in (skip or {})):
                logs.append(f"{label}: emulated ({next(v for k, v in skip.items() if k in label)})")
            else:
                files = {k: temp / f"_{k.lower()}_{len(outcomes)}" for k in
                         ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV")}
                for path in files.values():
                    path.touch()
                    os.chown(path, runner.uid, runner.gid)
                step_env.update({k: str(v) for k, v in files.items()})
                script = next((v for k, v in (replace or {}).items() if k in label), None) \
                    or substitute(step["run"], ctx)
                proc = runner.shell(script, cwd=workspace, env=step_env)
                logs.append(f"--- {label} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
                outputs.update(_key_values(files["GITHUB_OUTPUT"].read_text()))
                summary += files["GITHUB_STEP_SUMMARY"].read_text()
                for key, value in _key_values(files["GITHUB_ENV"].read_text()).items():
                    env[key] = ctx["env"][key] = value
                if proc.returncode != 0:
                    raise AssertionError(f"step {label!r} exited {proc.returncode}")
            outcomes.append((label, "success"))
        except AssertionError as exc:
            logs.append(f"FAILED {label}: {exc}")
            outcomes.append((label, "failure"))
            status = "failure"
    return JobRun(status, "\n".join(logs), outputs, summary, workspace, temp, outcomes)


def _key_values(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<EOF`` blocks of GITHUB_OUTPUT / GITHUB_ENV."""
    values, lines, i = {}, text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, marker = line.split("<<", 1)
            end = lines.index(marker, i + 1)
            values[key] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
        i += 1
    return values


def load(path: Path) -> dict:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))   # YAML 1.1 reads the key `on` as True
    return data
