#!/usr/bin/python3
"""One scripted NBD client session (python3-libnbd), printed one reply a line, so that the same run against
qemu-nbd 7.2 and against blocklayer can be compared line by line (NbdDifferentialTest).

Usage: differential.py RO_SOCKET RW_SOCKET; the exports are named "ro" (read-only) and "rw" (writable), on copies
of one image: 4 MiB, 0x61 in [1 MiB, 1 MiB + 64 KiB), holes elsewhere. Strict mode is off where the script must
send what a well-behaved client never sends.
"""
import errno
import hashlib
import sys

import nbd

RO, RW = sys.argv[1], sys.argv[2]


def say(key, value):
    print(f"{key}: {value}", flush=True)


def failure(e):
    return "error " + (errno.errorcode.get(e.errno, str(e.errno)) if e.errno else "(no errno)")


def attempt(key, fn):
    try:
        result = fn()
        say(key, "ok" if result is None else result)
    except nbd.Error as e:
        say(key, failure(e))


def handle(sock, name, strict=True, opt=False):
    h = nbd.NBD()
    h.set_export_name(name)
    h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
    h.set_full_info(True)
    if not strict:
        h.set_strict_mode(0)
    if opt:
        h.set_opt_mode(True)
    h.connect_unix(sock)
    return h


def describe(h, prefix):
    for what in ("is_read_only", "can_flush", "can_fua", "can_trim", "can_zero", "can_fast_zero", "can_cache",
                 "can_df", "can_multi_conn", "is_rotational"):
        say(prefix + " " + what, getattr(h, what)())
    say(prefix + " size", h.get_size())
    say(prefix + " block sizes", [h.get_block_size(s) for s in (nbd.SIZE_MINIMUM, nbd.SIZE_PREFERRED,
                                                                 nbd.SIZE_MAXIMUM)])
    say(prefix + " structured replies", h.get_structured_replies_negotiated())
    say(prefix + " base:allocation", h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION))


def extents(h, length, offset, flags=0):
    seen = []

    def cb(metacontext, off, entries, err):
        seen.append((metacontext, off, list(entries)))
        return 0

    h.block_status(length, offset, cb, flags)
    return seen


def chunks(h, length, offset, flags=0):
    seen = []

    def cb(buf, off, status, err):
        kind = {nbd.READ_DATA: "data", nbd.READ_HOLE: "hole", nbd.READ_ERROR: "error"}[status]
        seen.append((kind, off, len(buf)))
        return 0

    buf = h.pread_structured(length, offset, cb, flags)
    return sorted(seen), hashlib.sha256(buf).hexdigest()[:16]


# ---- handshake (B52) ----
h = handle(RO, "ro", opt=True)
listed = []
h.opt_list(lambda name, description: listed.append((name, description)) or 0)
say("list", listed)
contexts = []
h.opt_list_meta_context(lambda name: contexts.append(name) or 0)
say("list meta contexts", contexts)
h.set_export_name("nope")
attempt("info unknown export", h.opt_info)
attempt("go unknown export", h.opt_go)
h.set_export_name("ro")
h.opt_info()
say("info description", h.get_export_description())
h.opt_go()
describe(h, "ro")

# ---- reads and block status (B54) ----
size = h.get_size()
say("read data", hashlib.sha256(h.pread(65536, 1 << 20)).hexdigest()[:16])
say("structured read", chunks(h, 2 << 20, 0))
say("structured read DF", chunks(h, 65536, 1 << 20, nbd.CMD_FLAG_DF))
say("block status", extents(h, size, 0))
say("block status REQ_ONE", extents(h, size - 4096, 4096, nbd.CMD_FLAG_REQ_ONE))
attempt("flush read-only", h.flush)
attempt("cache", lambda: h.cache(65536, 0))
h.shutdown()

# ---- bad requests, strict mode off (B53) ----
h = handle(RO, "ro", strict=False)
attempt("read past EOF", lambda: len(h.pread(1024, size - 512)))
attempt("read of 64 MiB", lambda: len(h.pread(64 << 20, 0)))
attempt("read with FAST_ZERO", lambda: len(h.pread(512, 0, nbd.CMD_FLAG_FAST_ZERO)))
attempt("write to read-only", lambda: h.pwrite(b"x" * 512, 0))
attempt("trim read-only", lambda: h.trim(512, 0))
attempt("zero read-only", lambda: h.zero(512, 0))
attempt("block status past EOF", lambda: extents(h, 4096, size))
attempt("still connected", lambda: len(h.pread(512, 0)))
h.shutdown()

# ---- writes ----
h = handle(RW, "rw")
describe(h, "rw")
attempt("write", lambda: h.pwrite(b"\x5c" * 8192, 8192))
attempt("write FUA", lambda: h.pwrite(b"\x5d" * 4096, 3 << 20, nbd.CMD_FLAG_FUA))
attempt("read back", lambda: hashlib.sha256(h.pread(16384, 4096)).hexdigest()[:16])
attempt("zero NO_HOLE", lambda: h.zero(65536, 1 << 20, nbd.CMD_FLAG_NO_HOLE))
attempt("trim", lambda: h.trim(4096, 8192))
attempt("fast zero", lambda: h.zero(4096, 2 << 20, nbd.CMD_FLAG_FAST_ZERO))
attempt("flush", h.flush)
say("block status after writes", extents(h, size, 0))
h.shutdown()

h = handle(RW, "rw", strict=False)
attempt("write past EOF", lambda: h.pwrite(b"y" * 1024, size - 512))
attempt("zero past EOF", lambda: h.zero(1024, size - 512))
attempt("still connected", lambda: len(h.pread(512, 0)))
# The server answers EINVAL and hangs up without reading the payload: whether libnbd sees the reply or the hang-up
# first is a race on both servers, so only the outcome is compared.
try:
    h.pwrite(b"z" * (33 << 20), 0)
    say("write of 33 MiB", "ok")
except nbd.Error:
    say("write of 33 MiB", "error")
say("dead after it", h.aio_is_dead() or h.aio_is_closed())
