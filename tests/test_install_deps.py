"""`make setup`'s installer (scripts/install_deps.py): uv must choose what pip would.

uv reads none of pip's settings.  Dropping one silently changes what a machine installs: without
`find-links`, `torch==2.13.0` resolves to PyPI's multi-GB CUDA build instead of the CPU build this kind of
machine keeps on disk; with uv's default index strategy, a partial local mirror listed before PyPI hides
the pinned release; a `file://` index that does not exist makes uv fail where pip only warns.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT

_PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PINS = _PROJECT["dependencies"] + _PROJECT["optional-dependencies"]["dev"]

_spec = importlib.util.spec_from_file_location("install_deps", ROOT / "scripts" / "install_deps.py")
install_deps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install_deps)


def _settings_with(monkeypatch, tmp_path, config: str, **env) -> dict[str, str]:
    """pip's settings as pip itself reads them, from one config file and the given PIP_* variables only."""
    config_file = tmp_path / "pip.conf"
    config_file.write_text(config)
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config_file))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return install_deps.pip_settings()


def test_pip_settings_are_read_as_pip_reads_them(monkeypatch, tmp_path):
    settings = _settings_with(monkeypatch, tmp_path,
                              "[global]\nfind-links = /from/file\nindex-url = https://mirror.example/simple\n"
                              "[install]\nconstraint = /etc/constraints.txt\n",
                              PIP_FIND_LINKS="/from/env", PIP_CERT="/etc/ca.pem")
    assert settings["find-links"] == "/from/env"          # the environment wins over a file, as in pip
    assert settings["index-url"] == "https://mirror.example/simple"
    assert settings["constraint"] == "/etc/constraints.txt"   # [install] counts, not only [global]
    assert settings["cert"] == "/etc/ca.pem"


def test_uv_gets_every_location_that_exists_and_pips_index_strategy(tmp_path):
    wheels, mirror = tmp_path / "wheels", tmp_path / "mirror"
    wheels.mkdir(), mirror.mkdir()
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch<=2.14.1\n")
    options, env = install_deps.uv_arguments({
        "find-links": f"{wheels} {tmp_path / 'gone'}",
        "extra-index-url": f"file://{mirror} file://{tmp_path / 'no-mirror'} https://extra.example/simple",
        "constraint": str(constraints), "index-url": "https://mirror.example/simple",
        "cert": "/etc/ca.pem", "default-timeout": "180"})
    pairs = list(zip(options[::2], options[1::2]))
    assert ("--index-strategy", "unsafe-best-match") in pairs
    assert ("--find-links", str(wheels)) in pairs
    assert ("--extra-index-url", f"file://{mirror}") in pairs
    assert ("--extra-index-url", "https://extra.example/simple") in pairs   # remote: kept, not probed
    assert ("--constraint", str(constraints)) in pairs
    assert ("--index-url", "https://mirror.example/simple") in pairs
    assert not any("gone" in value or "no-mirror" in value for value in options)
    assert env == {"SSL_CERT_FILE": "/etc/ca.pem", "UV_HTTP_TIMEOUT": "180"}
    assert "--no-index" not in options


def test_an_offline_machine_stays_offline_and_its_hosts_and_proxy_carry_over():
    options, env = install_deps.uv_arguments({"no-index": "true", "trusted-host": "mirror.lan pypi.lan",
                                              "proxy": "http://proxy.lan:3128"})
    assert "--no-index" in options                    # else uv would go to PyPI where pip would not
    with_values = [option for option in options if option != "--no-index"]
    pairs = list(zip(with_values[::2], with_values[1::2]))
    assert ("--allow-insecure-host", "mirror.lan") in pairs and ("--allow-insecure-host", "pypi.lan") in pairs
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == "http://proxy.lan:3128"


def _local_torch_wheel() -> Path | None:
    """PyTorch's CPU build where pip's `find-links` points (its environment variable or a config file)."""
    for location in install_deps.pip_settings().get("find-links", "").split():
        found = sorted(Path(location.removeprefix("file://")).glob("torch-2.13.0+cpu-*.whl"))
        if found:
            return found[0]
    return None


def test_uv_resolves_every_pin_and_torch_to_the_cpu_build_on_disk(tmp_path):
    """The real uv (the one `make setup` installed), this machine's pip settings, the registries as they are:
    every pin of pyproject.toml resolves (a partial local mirror must not hide one) and torch is the CPU
    build on disk, with none of the CUDA build's nvidia packages."""
    uv = Path(sys.executable).parent / "uv"
    wheel = _local_torch_wheel()
    if not uv.exists() or wheel is None:
        pytest.skip("needs uv in the venv (make setup) and PyTorch's CPU build in PIP_FIND_LINKS")
    options, extra_env = install_deps.uv_arguments(install_deps.pip_settings())
    target = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    proc = subprocess.run([str(uv), "pip", "install", "--dry-run", "--python", str(target / "bin" / "python"),
                           *options, *PINS], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **extra_env, "UV_CACHE_DIR": str(tmp_path / "cache")})
    if proc.returncode != 0 and re.search(r"(?i)dns|connect|timed out|network", proc.stderr):
        pytest.skip(f"package registry unreachable: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr
    assert "+ torch==2.13.0+cpu" in proc.stderr
    assert not re.search(r"\+ nvidia-", proc.stderr)
