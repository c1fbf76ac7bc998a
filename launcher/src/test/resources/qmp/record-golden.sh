#!/bin/sh
# Records golden/qsd-7.2.jsonl: session.py against qemu-storage-daemon 7.2 (Debian package qemu-system-common),
# on the images QmpClientsIT makes (the same commands, the same sizes).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'kill "$qsd" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$here/make-images.sh" "$dir"
qemu-storage-daemon --chardev socket,path="$dir/qmp.sock",server=on,wait=off,id=m --monitor chardev=m &
qsd=$!
while [ ! -S "$dir/qmp.sock" ]; do sleep 0.1; done
/usr/bin/python3 "$here/session.py" "$dir/qmp.sock" "$dir" >"$here/golden/qsd-7.2.jsonl"
echo "recorded $here/golden/qsd-7.2.jsonl ($(qemu-storage-daemon --version | sed -n 1p))"
