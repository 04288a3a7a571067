"""The offline release bundle: built, installed with no package index, and run.

Builds the Linux x86_64 bundle with ``release/build_bundle.py`` (this needs the package
index, as building a release does; pip's own cache makes a second run quick), unpacks
the archive and runs its ``install.sh`` into a fresh prefix with every route to an index
closed (``--no-index``, pip's configuration ignored, a dead proxy), then runs the
installed ``ledger``: ``init``, ``demo``, ``user add`` and ``serve``, whose sign-in page
is fetched over loopback. Without the index the test skips on a developer's machine;
under CI=true it fails.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ledger.events.migrate import HEAD
from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens there: any download would fail

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.platform != "linux" or platform.machine() != "x86_64",
        reason="the test installs the Linux x86_64 bundle",
    ),
]


def _index_problem(folder: Path) -> str | None:
    """None when pip can download from the configured index, else pip's last line."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--dest", str(folder), "pip"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if probe.returncode == 0:
        return None
    return (probe.stderr.strip().splitlines() or ["pip download failed"])[-1]


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of a person on the intranet: no pip settings, no index, no config."""
    drop = ("PIP_", "LEDGER_", "VIRTUAL_ENV", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(HOME=str(home), LEDGER_LANG="en", http_proxy=DEAD_PROXY,
               https_proxy=DEAD_PROXY, HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY)  # fmt: skip
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The bundle built, unpacked and installed: the ``ledger`` script and its environment."""
    work = tmp_path_factory.mktemp("bundle")
    problem = _index_problem(work / "probe")
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"building the bundle needs the package index under CI=true: {problem}")
        pytest.skip(f"the package index is not reachable: {problem}")
    built = subprocess.run(
        [sys.executable, str(ROOT / "release" / "build_bundle.py"),
         "--platform", "linux-x86_64", "--out", str(work / "out")],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    (archive,) = (work / "out").glob("ledger-*-linux-x86_64.tar.gz")
    with tarfile.open(archive) as tf:
        tf.extractall(work / "unpacked", filter="data")
    (bundle,) = (work / "unpacked").iterdir()
    home = work / "home"
    home.mkdir()
    env = _clean_env(home)
    ran = subprocess.run(
        [str(bundle / "install.sh"), str(work / "opt")],
        env={**env, "PYTHON": sys.executable}, capture_output=True, text=True,
        check=False, timeout=600, cwd=work,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    ledger = work / "opt" / "current" / "bin" / "ledger"
    return ledger, {**env, "LEDGER_DB": str(work / "office.db")}


def run(installed: tuple[Path, dict[str, str]], *args: str, stdin: str = "") -> str:
    """The installed ``ledger ARGS``; fails the test with its stderr on a non-zero exit."""
    ledger, env = installed
    done = subprocess.run([str(ledger), *args], env=env, input=stdin, capture_output=True,
                          text=True, check=False, timeout=300, cwd=ledger.parent)  # fmt: skip
    assert done.returncode == 0, f"ledger {' '.join(args)}: {done.stderr}"
    return done.stdout + done.stderr


def test_bundle_holds_the_wheel_its_scripts_and_checksums(
    installed: tuple[Path, dict[str, str]],
) -> None:
    """The installed ledger is the bundle's wheel, not this checkout: it lives in the prefix."""
    ledger, env = installed
    where = subprocess.run(
        [str(ledger.with_name("python")), "-c", "import ledger; print(ledger.__file__)"],
        env=env, capture_output=True, text=True, check=True, cwd=ledger.parent,
    )  # fmt: skip
    assert where.stdout.startswith(str(ledger.parents[2])), where.stdout
    assert not where.stdout.startswith(str(ROOT / "src"))


def test_installed_ledger_inits_runs_the_demo_and_serves(
    installed: tuple[Path, dict[str, str]],
) -> None:
    """``init`` then ``demo`` then ``serve``: the sign-in page answers on loopback."""
    assert HEAD in run(installed, "init")  # the schema at this version's revision
    assert "宁波市镇海区教育局" in run(installed, "demo")
    run(installed, "user", "add", "admin", "--role", "admin", "--agency", "*",
        "--password-stdin", stdin="a long enough password\n")  # fmt: skip
    ledger, env = installed
    port = free_port()
    log = ledger.parents[3] / "serve.log"
    with log.open("wb") as out, subprocess.Popen(
        [str(ledger), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ledger.parent,
    ) as server:  # fmt: skip
        try:
            page = _fetch_when_up(f"http://127.0.0.1:{port}/login", server, log)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert 'name="password"' in page
    assert 'name="csrf"' in page


def _fetch_when_up(url: str, server: subprocess.Popen[bytes], log: Path, wait: float = 60.0) -> str:
    """The page at ``url`` once the server listens (it takes a moment to start)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + wait
    while True:
        if server.poll() is not None:
            said = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"ledger serve exited {server.returncode}: {said}")
        try:
            with opener.open(url, timeout=5) as answer:
                return str(answer.read().decode("utf-8"))
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
