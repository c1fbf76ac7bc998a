#!/bin/sh
# The images of the QMP session, in DIR: raw.img (64 MiB, sparse) and top.qcow2 over base.qcow2 (128 MiB each).
set -eu
dir=$1
truncate -s 64M "$dir/raw.img"
qemu-img create -q -f qcow2 "$dir/base.qcow2" 128M
qemu-img create -q -f qcow2 -b "$dir/base.qcow2" -F qcow2 "$dir/top.qcow2"
