"""Install the kit's pinned dependencies into its virtual environment (make setup).

    python3 scripts/install_deps.py .venv/bin/python

uv installs them when it can: it downloads the ~145 packages in parallel and links their files from its
cache, where pip fetches and unpacks them one after another (a new 2-core machine: ~20 s against 34-48 s,
README "Measurements").  uv is pinned and put into the venv by this interpreter's pip.  Its cache is
`.uv-cache/` beside the venv: on the same file system (hard links), outside the interpreter's tree that
sandboxed workers see, removed by `make clean`.

uv reads none of pip's settings, so the ones that choose what gets installed and from where are handed
over: `find-links` (where this kind of machine keeps the CPU build of PyTorch that `torch==2.13.0` must
resolve to, instead of PyPI's CUDA build), `index-url`, `extra-index-url`, `no-index`, `constraint`,
`trusted-host`, `proxy`, `cert` and `default-timeout`.  If uv cannot be installed or fails, pip installs
everything, as before.  pip itself is installed into the venv either way (the tests use it).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

UV = "uv==0.13.9"
PIP = "pip>=24"
ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = ".[dev]"             # installed editable: every pin is in pyproject.toml


def pip_settings() -> dict[str, str]:
    """pip's effective settings, as `pip config list` prints them; the environment wins over files."""
    try:
        listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                                 text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    from_files, from_env = {}, {}
    for line in listing.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        section, _, name = key.rpartition(".")
        target = from_env if section == ":env:" else from_files
        if section in (":env:", "global", "install"):
            target[name] = value.strip().strip("'\"")
    return {**from_files, **from_env}


def _present(location: str) -> bool:
    """A file or file:// location that is not there is skipped, as pip does (with a warning); uv would fail."""
    if "://" in location and not location.startswith("file://"):
        return True
    return Path(location.removeprefix("file://")).exists()


def uv_arguments(settings: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Command-line options and environment that make uv choose what pip would."""
    # pip weighs every index alike and takes the best version; uv's default stops at the first index
    # that has the package at all (this kind of machine has partial local mirrors before PyPI).
    options, env = ["--index-strategy", "unsafe-best-match"], {}
    for setting, option in (("find-links", "--find-links"), ("extra-index-url", "--extra-index-url"),
                            ("constraint", "--constraint")):
        for value in settings.get(setting, "").split():
            if _present(value):
                options += [option, value]
    if settings.get("index-url"):
        options += ["--index-url", settings["index-url"]]
    if settings.get("no-index", "").lower() in ("1", "true", "yes", "on"):
        options.append("--no-index")           # a machine told to use only its local wheels stays offline
    for host in settings.get("trusted-host", "").split():
        options += ["--allow-insecure-host", host]
    if settings.get("proxy"):
        env["HTTPS_PROXY"] = env["HTTP_PROXY"] = settings["proxy"]    # pip's --proxy wins over the environment
    if settings.get("cert"):
        env["SSL_CERT_FILE"] = settings["cert"]
    if settings.get("default-timeout"):
        env["UV_HTTP_TIMEOUT"] = settings["default-timeout"]
    return options, env


def run(cmd: list[str], env: dict[str, str] | None = None, quiet: bool = False) -> bool:
    output = subprocess.DEVNULL if quiet else None
    return subprocess.run(cmd, cwd=ROOT, env=env, stdout=output, stderr=output).returncode == 0


def install_with_uv(venv_python: str) -> bool:
    bin_dir = Path(venv_python).parent
    if not run([sys.executable, "-m", "pip", "--python", venv_python, "install", "--quiet", UV]):
        return False
    options, extra_env = uv_arguments(pip_settings())
    env = {**os.environ, **extra_env}
    env.setdefault("UV_CACHE_DIR", str(ROOT / ".uv-cache"))
    return run([str(bin_dir / "uv"), "pip", "install", "--quiet", "--python", venv_python, *options,
                "-e", REQUIREMENT, PIP], env)


def install_with_pip(venv_python: str) -> bool:
    has_pip = run([venv_python, "-c", "import pip, sys; sys.exit(int(pip.__version__.split('.')[0]) < 24)"],
                  quiet=True)
    if not has_pip and not run([sys.executable, "-m", "pip", "--python", venv_python, "install", "--quiet", PIP]):
        if not (run([venv_python, "-m", "ensurepip"])
                and run([venv_python, "-m", "pip", "install", "--quiet", "--upgrade", PIP])):
            return False
    return run([venv_python, "-m", "pip", "install", "--quiet", "--no-compile", "-e", REQUIREMENT])


def main() -> int:
    if len(sys.argv) != 2 or not Path(sys.argv[1]).exists():
        print("usage: python3 scripts/install_deps.py VENV/bin/python  (an interpreter of a venv that exists)",
              file=sys.stderr)
        return 2
    venv_python = sys.argv[1]
    if install_with_uv(venv_python):
        return 0
    print("note: uv could not install the dependencies; pip installs them (slower)", file=sys.stderr)
    return 0 if install_with_pip(venv_python) else 1


if __name__ == "__main__":
    sys.exit(main())
