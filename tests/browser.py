"""Headless Chromium for the tests that must see what a real browser runs.

Every attack payload in these tests, when it runs, marks the document: it sets
``data-pwned-<n>`` on ``<html>`` and changes the title to ``PWNED-<n>``.
:func:`ran_payloads` loads a page and returns the markers it finds in the DOM
after scripts, event handlers and timers have had their time.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL = "scripts/install-sandbox.sh (as root) installs the Debian package chromium-headless-shell"


def payload(n: int | str) -> str:
    """JavaScript that marks the document when it runs (no quotes of the other kind inside)."""
    return f"document.documentElement.setAttribute('data-pwned-{n}','1');document.title='PWNED-{n}'"


def chromium() -> str:
    """The browser binary, or skip the test saying why there is none."""
    for name in ("chromium-headless-shell", "chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(f"no Chromium on this machine: {INSTALL}")


def _flags(profile: str) -> list[str]:
    flags = ["--headless", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
             f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--run-all-compositor-stages-before-draw"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")   # Chromium refuses to run as root with its own sandbox
    return flags


def _run(args: list[str], page: Path) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.run([chromium(), *_flags(profile), *args, page.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def dom(page: Path) -> str:
    """The page's DOM after loading (scripts run, virtual time advanced)."""
    return _run(["--dump-dom"], page).stdout


def ran_payloads(page: Path) -> set[str]:
    """The payload markers found in the loaded page (``data-pwned-*`` on <html>, ``PWNED-*`` title)."""
    text = dom(page)
    assert "<html" in text, "Chromium returned no DOM"
    html_tag = re.search(r"<html\b[^>]*>", text)
    found = set(re.findall(r"data-pwned-([\w-]+)", html_tag.group(0) if html_tag else ""))
    title = re.search(r"<title>(.*?)</title>", text, re.DOTALL)
    found |= set(re.findall(r"PWNED-([\w-]+)", title.group(1) if title else ""))
    return found


def screenshot(page: Path, out: Path, size: str = "1200,1600") -> Path:
    _run([f"--screenshot={out}", f"--window-size={size}", "--hide-scrollbars"], page)
    assert out.is_file() and out.stat().st_size > 1000
    return out
