#!/bin/sh
# Install ledger @VERSION@ from this bundle with no network: a virtual environment in
# PREFIX/@VERSION@ built from ./wheelhouse alone, and on the first install the link
# PREFIX/current to it. An upgrade installs beside the running version; switching the
# link is a separate step (docs/deployment.md), so rolling back is switching it back.
#
#   ./install.sh [PREFIX]        default /opt/ledger; PYTHON=/path/to/python3.11 to choose
set -eu
here=$(cd "$(dirname "$0")" && pwd)
version=@VERSION@
pythons="@PYTHONS@"
prefix=${1:-/opt/ledger}

say() { printf '%s\n' "$@" >&2; }

find_python() {
  if [ -n "${PYTHON:-}" ]; then printf '%s\n' "$PYTHON"; return; fi
  for v in $pythons; do
    if command -v "python$v" >/dev/null 2>&1; then command -v "python$v"; return; fi
  done
  command -v python3 || true
}

python=$(find_python)
if [ -z "$python" ]; then
  say "install.sh: 找不到 Python；本安装包需要 CPython $pythons（可用 PYTHON=… 指定）" \
      "install.sh: no Python found; this bundle needs CPython $pythons (set PYTHON=...)"
  exit 1
fi
have=$("$python" -c 'import sys; print(*sys.version_info[:2], sep=".")')
case " $pythons " in
  *" $have "*) ;;
  *) say "install.sh: $python 是 Python $have；本安装包只含 CPython $pythons 的组件（可用 PYTHON=… 指定）" \
         "install.sh: $python is Python $have; this bundle has wheels for CPython $pythons (set PYTHON=...)"
     exit 1 ;;
esac

target="$prefix/$version"
if [ -e "$target" ]; then
  say "install.sh: $target 已存在；如需重装请先删除" "install.sh: $target exists; remove it first to reinstall"
  exit 1
fi

# Only this bundle's wheels: no index, and no pip setting of the machine or the user.
for var in $(env | sed -n 's/^\(PIP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1

finished=no
cleanup() { [ "$finished" = yes ] || rm -rf "$target"; }
trap cleanup EXIT
mkdir -p "$prefix"
"$python" -m venv "$target"
"$target/bin/python" -m pip install --quiet --no-index --find-links "$here/wheelhouse" --upgrade pip
"$target/bin/python" -m pip install --quiet --no-index --find-links "$here/wheelhouse" "ledger==$version"
"$target/bin/ledger" --help >/dev/null
finished=yes

if [ ! -e "$prefix/current" ]; then
  ln -s "$version" "$prefix/current"
  say "ledger $version 已安装：$prefix/current/bin/ledger" "ledger $version installed: $prefix/current/bin/ledger"
else
  say "ledger $version 已安装在 $target；当前使用的仍是 $(readlink "$prefix/current")。" \
      "ledger $version installed in $target; $prefix/current still points to $(readlink "$prefix/current")." \
      "切换（先备份，见 docs/deployment.md）/ to switch (back up first, see docs/deployment.md):" \
      "  ln -sfn $version $prefix/current && $prefix/current/bin/ledger init"
fi
