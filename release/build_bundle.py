"""Build the offline release bundles: ledger's wheel and every runtime dependency, per platform.

Government intranets are cut off from the package index, and their machines are Linux
x86_64 servers, ARM servers (鲲鹏, 飞腾) and Windows desktops. One bundle per platform
holds a ``wheelhouse/`` (the ledger wheel, every wheel it needs, and pip itself) and an
install script that makes a virtual environment and installs from that folder alone
(``pip install --no-index --find-links wheelhouse ledger``). docs/deployment.md says how
to install, upgrade and roll back with it.

    python release/build_bundle.py                          # the three platforms, Python 3.11
    python release/build_bundle.py --platform linux-x86_64 --out build/bundle
    python release/build_bundle.py --python 3.11 --python 3.12   # wheels for both versions

Building needs the package index (the machine that builds is online); installing needs
nothing but the bundle and a CPython of a bundled version on the target.
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

try:  # packaging comes with the test tools; pip always carries a copy
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import Version
except ImportError:  # pragma: no cover
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.specifiers import SpecifierSet  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]
    from pip._vendor.packaging.version import Version  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Target:
    """One platform a bundle is built for: its wheel tags, install script and archive."""

    name: str
    tags: tuple[str, ...]
    markers: dict[str, str]  # the environment markers requirements are evaluated against
    script: str
    archive: str  # "tar.gz" (kept executable bits) or "zip" (what Windows opens)


# glibc 2.17 (manylinux2014) keeps the bundle installable on the older enterprise Linux
# releases that intranet servers run; pip also accepts every older manylinux tag.
LINUX = {"os_name": "posix", "sys_platform": "linux", "platform_system": "Linux"}
WINDOWS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows"}
TARGETS = {
    t.name: t
    for t in (
        Target("linux-x86_64", ("manylinux_2_17_x86_64",),
               {**LINUX, "platform_machine": "x86_64"}, "install.sh", "tar.gz"),
        Target("linux-aarch64", ("manylinux_2_17_aarch64",),
               {**LINUX, "platform_machine": "aarch64"}, "install.sh", "tar.gz"),
        Target("windows-x86_64", ("win_amd64",),
               {**WINDOWS, "platform_machine": "AMD64"}, "install.bat", "zip"),
    )
}  # fmt: skip


def project_version() -> str:
    """The version pyproject.toml declares: the one the bundle's name and scripts carry."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def pip(*args: str) -> None:
    """Run this interpreter's pip, failing loudly: a half-filled wheelhouse is no bundle."""
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def build_wheel(out: Path) -> Path:
    """ledger's own wheel, built from this checkout (pure Python: one for every platform)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("ledger-*.whl"):
        old.unlink()
    pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT))
    (wheel,) = out.glob("ledger-*.whl")
    return wheel


def pure_wheels(wheel: Path, out: Path) -> Path:
    """Wheels built here for the dependencies published only as source (lunar-python).

    The targets install binary wheels only, so a pure-Python package that the index has
    as an sdist alone is built into a ``py3-none-any`` wheel once, on this machine, and
    offered to every platform's download. Wheels tied to this machine are dropped.
    """
    if out.exists():
        shutil.rmtree(out)
    pip("wheel", "--quiet", "--wheel-dir", str(out), str(wheel))
    for built in out.glob("*.whl"):
        if not built.name.endswith("-none-any.whl") or built.name.startswith("ledger-"):
            built.unlink()
    return out


def wheel_requirements(path: Path) -> list[Requirement]:
    """The Requires-Dist lines of a wheel's METADATA, as requirements."""
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.BytesParser().parsebytes(zf.read(name))
    return [Requirement(line) for line in metadata.get_all("Requires-Dist") or []]


def wheel_key(path: Path) -> tuple[str, Version]:
    """A wheel's distribution name (normalised) and version, from its file name."""
    name, version = path.name.split("-")[:2]
    return canonicalize_name(name), Version(version)


def applies(req: Requirement, extras: set[str], env: dict[str, str]) -> bool:
    """Whether a requirement holds on the target, for the extras asked of its package."""
    if req.marker is None:
        return True
    return any(req.marker.evaluate({**env, "extra": extra}) for extra in {"", *extras})


def needed(wheelhouse: Path, root: Path, env: dict[str, str]) -> dict[str, SpecifierSet]:
    """Every distribution the root wheel needs on the target, with all its version limits.

    Walks the wheels already downloaded, evaluating each requirement's marker for the
    *target*: pip evaluates markers for the machine it runs on, so it would miss a
    Windows-only dependency and ask for a Linux-only one on Windows.
    """
    present = {wheel_key(p)[0]: p for p in wheelhouse.glob("*.whl")}
    limits: dict[str, SpecifierSet] = {"pip": SpecifierSet()}
    expanded: dict[str, set[str]] = {}
    todo: list[tuple[Path, set[str]]] = [(root, set())]
    while todo:
        path, extras = todo.pop()
        for req in wheel_requirements(path):
            if not applies(req, extras, env):
                continue
            name = canonicalize_name(req.name)
            limits[name] = limits.get(name, SpecifierSet()) & req.specifier
            done = expanded.get(name)
            if name in present and (done is None or not set(req.extras) <= done):
                expanded[name] = (done or set()) | set(req.extras)
                todo.append((present[name], expanded[name]))
    return limits


# pip evaluates environment markers for the machine it runs on, even with --platform; this
# runs pip with the target's markers, so that its resolver (which backtracks, e.g. to an
# older psycopg when the newest has no aarch64 wheel) sees the target's dependencies.
_PIP_FOR_TARGET = """
import json, runpy, sys
import pip._vendor.packaging.markers as markers
target = json.loads(sys.argv.pop(1))
host = markers.default_environment
markers.default_environment = lambda: {**host(), **target}
sys.argv[0] = "pip"
runpy.run_module("pip", run_name="__main__", alter_sys=True)
"""


def fill_for_python(folder: Path, wheel: Path, pure: Path, target: Target, python: str) -> None:
    """Download, for one Python version, every wheel the ledger wheel needs on the target.

    Binary wheels only (nothing is compiled on the target). Afterwards the wheels are
    walked with the target's markers: a dependency missing or at a version another
    excludes stops the build, and a wheel nothing needs is dropped.
    """
    folder.mkdir(parents=True, exist_ok=True)
    root = Path(shutil.copy2(wheel, folder))
    env = {**target.markers, **python_markers(python)}
    platform_args = [arg for tag in target.tags for arg in ("--platform", tag)]
    subprocess.run(
        [sys.executable, "-c", _PIP_FOR_TARGET, json.dumps(env),
         "download", "--quiet", "--only-binary=:all:", *platform_args,
         "--python-version", python, "--implementation", "cp",
         "--abi", "cp" + python.replace(".", ""), "--find-links", str(pure),
         "--dest", str(folder), str(root), "pip"],
        check=True,
    )  # fmt: skip
    limits = needed(folder, root, env)
    present = {wheel_key(p): p for p in folder.glob("*.whl") if p != root}
    found = dict(present.keys())
    lacking = [
        f"{name}{spec}"
        for name, spec in sorted(limits.items())
        if name not in found or not spec.contains(found[name], prereleases=True)
    ]
    if lacking:
        raise SystemExit(f"{target.name} / Python {python}: the wheelhouse lacks {lacking}")
    for (name, _), path in present.items():
        if name not in limits:
            path.unlink()


def python_markers(python: str) -> dict[str, str]:
    """The environment markers of CPython ``X.Y`` (the platform's come from the target)."""
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
    }


def fill_wheelhouse(
    wheelhouse: Path, wheel: Path, pure: Path, target: Target, pythons: list[str]
) -> None:
    """The wheelhouse of a target: the wheels of each Python version, side by side."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    for python in pythons:
        staging = wheelhouse.parent / f".python-{python}"
        fill_for_python(staging, wheel, pure, target, python)
        for path in staging.glob("*.whl"):
            shutil.move(path, wheelhouse / path.name)
        shutil.rmtree(staging)


def write_scripts(bundle: Path, target: Target, version: str, pythons: list[str]) -> None:
    """The install script and the read-me, with the version and Python versions filled in."""
    values = {"@VERSION@": version, "@PYTHONS@": " ".join(pythons)}
    for name in (target.script, "INSTALL.txt"):
        text = (HERE / name).read_text(encoding="utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        newline = "\r\n" if name.endswith(".bat") or target.archive == "zip" else "\n"
        (bundle / name).write_bytes(text.replace("\n", newline).encode("utf-8"))
    if target.script.endswith(".sh"):
        (bundle / target.script).chmod(0o755)


def write_checksums(bundle: Path) -> None:
    """SHA256SUMS of the wheels, so a copy carried across the air gap can be checked."""
    lines = []
    for path in sorted((bundle / "wheelhouse").glob("*.whl")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  wheelhouse/{path.name}\n")
    (bundle / "SHA256SUMS").write_text("".join(lines), encoding="ascii")


def archive(bundle: Path, target: Target) -> Path:
    """The bundle as one file with its folder at the top (tar.gz keeps modes; zip for Windows)."""
    out = bundle.with_name(f"{bundle.name}.{target.archive}")
    if target.archive == "zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(bundle.rglob("*")):
                zf.write(path, path.relative_to(bundle.parent).as_posix())
    else:
        with tarfile.open(out, "w:gz") as tf:
            tf.add(bundle, arcname=bundle.name)
    return out


def build(targets: list[Target], out: Path, pythons: list[str], wheel: Path | None) -> list[Path]:
    """Build each target's bundle folder and archive under ``out``; returns the archives."""
    version = project_version()
    wheel = wheel or build_wheel(out / "wheel")
    pure = pure_wheels(wheel, out / "pure")
    made = []
    for target in targets:
        bundle = out / f"ledger-{version}-{target.name}"
        if bundle.exists():
            shutil.rmtree(bundle)
        fill_wheelhouse(bundle / "wheelhouse", wheel, pure, target, pythons)
        write_scripts(bundle, target, version, pythons)
        write_checksums(bundle)
        made.append(archive(bundle, target))
    return made


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line: which platforms, which Python versions, where to write."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--platform", action="append", choices=sorted(TARGETS),
        help="a platform to build (repeatable; default: all three)",
    )  # fmt: skip
    parser.add_argument(
        "--python", action="append", metavar="X.Y",
        help="a CPython version the target runs (repeatable; default: 3.11)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "bundle",
                        help="where the bundles are written (default: dist/bundle)")  # fmt: skip
    parser.add_argument("--wheel", type=Path, help="use this ledger wheel instead of building one")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the bundles and print the archives made."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    targets = [TARGETS[name] for name in (args.platform or sorted(TARGETS))]
    pythons = args.python or ["3.11"]
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    for made in build(targets, args.out.resolve(), pythons, args.wheel):
        print(f"{made}  {made.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
