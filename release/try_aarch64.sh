#!/bin/sh
# Install the Linux aarch64 bundle on an emulated ARM64 Debian and run it, on an x86_64
# build machine: no ARM server needed to know the bundle installs and works there.
#
#   sudo sh release/try_aarch64.sh [WORKDIR]      default /tmp/ledger-aarch64
#
# Needs root (chroot, binfmt_misc), Debian's qemu-user-static, binfmt-support and
# debootstrap, and the network for building the bundle and the Debian root. The bundle is
# then installed and run inside the ARM64 root with every route to an index closed.
# Emulation is slow: about 15 minutes for the root, 5 for the install, 2 for the run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:-/tmp/ledger-aarch64}
root="$work/root"
python=${PYTHON:-python3}

[ "$(id -u)" = 0 ] || { echo "try_aarch64.sh: run as root (chroot, binfmt_misc)" >&2; exit 1; }
mkdir -p "$work"

# Let the kernel run aarch64 programs through qemu.
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64

# A minimal Debian bookworm for arm64 with its CPython 3.11 and venv.
if [ ! -x "$root/usr/bin/python3" ]; then
  debootstrap --arch=arm64 --variant=minbase --include=python3,python3-venv \
    bookworm "$root" http://deb.debian.org/debian
fi

"$python" "$here/build_bundle.py" --platform linux-aarch64 --out "$work/bundle"
rm -rf "$root/root/bundle" "$root/opt/ledger" "$root/root/books"
mkdir -p "$root/root/bundle"
tar -xzf "$work/bundle"/ledger-*-linux-aarch64.tar.gz -C "$root/root/bundle"

mountpoint -q "$root/proc" || mount --bind /proc "$root/proc"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
trap 'umount "$root/proc" "$root/dev" 2>/dev/null || true' EXIT

cat > "$root/root/run.sh" <<'EOF'
set -eu
uname -m
cd /root/bundle/ledger-*-linux-aarch64 && ./install.sh /opt/ledger
mkdir -p /root/books && cd /root/books
export LEDGER_DB=/root/books/ledger.db LEDGER_LANG=en
L=/opt/ledger/current/bin/ledger
$L init
$L demo > demo.txt
tail -n 3 demo.txt
printf 'try-aarch64-pass-1\ntry-aarch64-pass-1\n' | $L user add admin --role admin --agency all --password-stdin
$L serve --port 8765 > serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:8765/login')" 2>/dev/null && break
  sleep 1
done
python3 -c "import urllib.request as u; b = u.urlopen('http://127.0.0.1:8765/login').read(); assert b'<form' in b; print('serve: sign-in page answered')"
$L verify
EOF
# A clean environment whose proxies lead nowhere (loopback excepted, for the page): the
# install must need no index.
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root no_proxy=127.0.0.1,localhost \
  http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 /bin/sh /root/run.sh
