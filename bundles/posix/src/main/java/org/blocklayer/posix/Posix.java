package org.blocklayer.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.internal.Libc;
import org.blocklayer.posix.internal.StatxLayout;
import org.blocklayer.posix.internal.Syscall;

/**
 * The system calls, each reporting failure as a {@link PosixException} with the errno the call set. Calls that
 * {@code man 7 signal} lets the kernel interrupt are restarted on EINTR, as QEMU's loops do. All of them block the
 * calling thread: in the block layer they run on a worker thread ({@code ThreadPool.run}), never on a context's.
 */
public final class Posix {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    /** Create the file if it does not exist: only through {@link #create}, which gives the mode. */
    public static final int O_CREAT = 0100;
    public static final int O_NONBLOCK = 04000;
    /** Bypass the page cache: offsets, lengths and memory must be aligned (to the logical block size for devices). */
    public static final int O_DIRECT = Libc.O_DIRECT;
    /** Always added by {@link #open}: a forked child (losetup, qemu-img...) must not inherit block devices. */
    public static final int O_CLOEXEC = 02000000;

    /** fallocate(2) mode bit: the file's size stays as it is, even when the range goes past it. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x1;
    /** fallocate(2) mode bit: deallocates the range, which then reads as zeros; only with KEEP_SIZE. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x2;
    /** fallocate(2) mode bit: the range reads as zeros afterwards, its blocks allocated (unwritten extents). */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private static final int EINTR = 4;
    private static final int SEEK_END = 2;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;

    private Posix() {
    }

    /** open(2) with {@code flags | O_CLOEXEC}. */
    public static Fd open(String path, int flags) throws PosixException {
        return open("open", path, flags, 0);
    }

    /**
     * open(2) with {@code flags | O_CREAT | O_CLOEXEC}: creates the file with {@code mode} (less the umask) when it
     * does not exist (QEMU's {@code qemu_create}).
     */
    public static Fd create(String path, int flags, int mode) throws PosixException {
        return open("create", path, flags | O_CREAT, mode);
    }

    private static Fd open(String what, String path, int flags, int mode) throws PosixException {
        try (Syscall call = begin(what, path)) {
            MemorySegment cPath = cPath(call, what, path);
            for (;;) {
                int fd = Libc.open(call.capture(), cPath, flags | O_CLOEXEC, mode);
                if (fd >= 0) {
                    return new Fd(fd, path);
                }
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), what, path);
                }
            }
        }
    }

    /** ftruncate(2), restarted on EINTR: the file becomes {@code length} bytes long (a hole where it grows). */
    public static void ftruncate(Fd fd, long length) throws PosixException {
        String what = "ftruncate(" + length + ")";
        int n = fd.acquire(what);
        try (Syscall call = begin(what, fd.path())) {
            while (Libc.ftruncate(call.capture(), n, length) != 0) {
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), what, fd.path());
                }
            }
        } finally {
            fd.release();
        }
    }

    /** stat(2) of a path, following symbolic links. */
    public static FileStat stat(String path) throws PosixException {
        try (Syscall call = begin("stat", path)) {
            return statx(call, StatxLayout.AT_FDCWD, cPath(call, "stat", path), 0, "stat", path);
        }
    }

    /** fstat(2) of an open descriptor. */
    public static FileStat fstat(Fd fd) throws PosixException {
        int n = fd.acquire("fstat");
        try (Syscall call = begin("fstat", fd.path())) {
            return statx(call, n, call.cString(""), StatxLayout.AT_EMPTY_PATH, "fstat", fd.path());
        } finally {
            fd.release();
        }
    }

    private static FileStat statx(Syscall call, int dirfd, MemorySegment path, int flags, String what, String subject)
            throws PosixException {
        MemorySegment buf = call.arena().allocate(StatxLayout.LAYOUT);
        if (Libc.statx(call.capture(), dirfd, path, flags, StatxLayout.STATX_BASIC_STATS, buf) != 0) {
            throw PosixException.of(call.errno(), what, subject);
        }
        if ((buf.get(JAVA_INT, StatxLayout.MASK) & StatxLayout.STATX_TYPE_MODE) != StatxLayout.STATX_TYPE_MODE) {
            throw PosixException.of(Errno.EIO.value(), what + " (no file type reported)", subject);
        }
        int mode = Short.toUnsignedInt(buf.get(JAVA_SHORT, StatxLayout.MODE));
        FileType type = FileType.ofMode(mode);
        boolean device = type == FileType.BLOCK_DEVICE || type == FileType.CHAR_DEVICE;
        return new FileStat(type, mode, buf.get(JAVA_LONG, StatxLayout.SIZE),
                device ? buf.get(JAVA_INT, StatxLayout.RDEV_MAJOR) : 0,
                device ? buf.get(JAVA_INT, StatxLayout.RDEV_MINOR) : 0);
    }

    /**
     * {@code lseek(fd, 0, SEEK_END)}: the size of a regular file or of a block device (QEMU's raw_getlength).
     * Moves the file offset, which pread and pwrite do not use.
     */
    public static long seekEnd(Fd fd) throws PosixException {
        int n = fd.acquire("lseek");
        try (Syscall call = begin("lseek", fd.path())) {
            long end = Libc.lseek(call.capture(), n, 0, SEEK_END);
            if (end < 0) {
                throw PosixException.of(call.errno(), "lseek", fd.path());
            }
            return end;
        } finally {
            fd.release();
        }
    }

    /**
     * {@code lseek(fd, offset, SEEK_DATA)}: the first offset at or after {@code offset} that is not in a hole. ENXIO
     * when there is none: {@code offset} is in the trailing hole or past the end of the file.
     */
    public static long seekData(Fd fd, long offset) throws PosixException {
        return seek(fd, offset, SEEK_DATA, "lseek(SEEK_DATA)");
    }

    /**
     * {@code lseek(fd, offset, SEEK_HOLE)}: the first offset at or after {@code offset} that is in a hole, the end of
     * the file counting as one. ENXIO when {@code offset} is past the end of the file.
     */
    public static long seekHole(Fd fd, long offset) throws PosixException {
        return seek(fd, offset, SEEK_HOLE, "lseek(SEEK_HOLE)");
    }

    private static long seek(Fd fd, long offset, int whence, String what) throws PosixException {
        int n = fd.acquire(what);
        try (Syscall call = begin(what, fd.path())) {
            long found = Libc.lseek(call.capture(), n, offset, whence);
            if (found < 0) {
                throw PosixException.of(call.errno(), what + " at " + offset, fd.path());
            }
            return found;
        } finally {
            fd.release();
        }
    }

    /**
     * fallocate(2), restarted on EINTR as QEMU's {@code do_fallocate} does. {@code mode} is 0 (allocate, growing
     * the file past its end) or a combination of the {@code FALLOC_FL_*} bits here. A file system without the mode
     * answers EOPNOTSUPP ({@link PosixException#unsupported()}).
     */
    public static void fallocate(Fd fd, int mode, long offset, long length) throws PosixException {
        String what = "fallocate(" + fallocateMode(mode) + ", " + offset + ", " + length + ")";
        int n = fd.acquire(what);
        try (Syscall call = begin(what, fd.path())) {
            while (Libc.fallocate(call.capture(), n, mode, offset, length) != 0) {
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), what, fd.path());
                }
            }
        } finally {
            fd.release();
        }
    }

    private static String fallocateMode(int mode) {
        if (mode == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        int rest = mode;
        int[] bits = {FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE};
        String[] names = {"KEEP_SIZE", "PUNCH_HOLE", "ZERO_RANGE"};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & bits[i]) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
                rest &= ~bits[i];
            }
        }
        if (rest != 0) {
            sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
        }
        return sb.toString();
    }

    /**
     * {@code ioctl(BLKZEROOUT)}: the byte range of a block device reads as zeros afterwards; the kernel may write
     * zeros to do it, however slow (it does not pass BLKDEV_ZERO_NOFALLBACK). Offset and length must be multiples
     * of the logical block size (else EINVAL). Restarted on EINTR, as QEMU's handle_aiocb_write_zeroes_block.
     */
    public static void blkZeroout(Fd fd, long offset, long length) throws PosixException {
        blockRange(fd, Ioctls.BLKZEROOUT, offset, length);
    }

    /**
     * {@code ioctl(BLKDISCARD)}: the device may deallocate the byte range; what reads return there afterwards is the
     * device's business. EOPNOTSUPP on a device that cannot discard. Restarted on EINTR, as QEMU's
     * handle_aiocb_discard.
     */
    public static void blkDiscard(Fd fd, long offset, long length) throws PosixException {
        blockRange(fd, Ioctls.BLKDISCARD, offset, length);
    }

    /** An ioctl taking {@code uint64_t range[2]} = {offset, length}. */
    private static void blockRange(Fd fd, long request, long offset, long length) throws PosixException {
        String what = "ioctl(" + Ioctls.name(request) + ", " + offset + ", " + length + ")";
        int n = fd.acquire(what);
        try (Syscall call = begin(what, fd.path())) {
            MemorySegment range = call.arena().allocate(JAVA_LONG, 2);
            range.setAtIndex(JAVA_LONG, 0, offset);
            range.setAtIndex(JAVA_LONG, 1, length);
            while (Libc.ioctl(call.capture(), n, request, range) < 0) {
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), what, fd.path());
                }
            }
        } finally {
            fd.release();
        }
    }

    /**
     * One pread(2) into {@code dst} (a native segment, all of it) at {@code offset}: returns the bytes read, fewer at
     * the end of the file, 0 past it.
     */
    public static long pread(Fd fd, MemorySegment dst, long offset) throws PosixException {
        return transfer("pread", Libc::pread, fd, dst, offset);
    }

    /** One pwrite(2) of {@code src} (a native segment, all of it) at {@code offset}: returns the bytes written. */
    public static long pwrite(Fd fd, MemorySegment src, long offset) throws PosixException {
        return transfer("pwrite", Libc::pwrite, fd, src, offset);
    }

    /** The signature pread(2) and pwrite(2) share. */
    @FunctionalInterface
    private interface Transfer {
        long call(MemorySegment capture, int fd, MemorySegment buf, long count, long offset);
    }

    /** One pread or pwrite of all of {@code buf}, restarted on EINTR. */
    private static long transfer(String name, Transfer libc, Fd fd, MemorySegment buf, long offset)
            throws PosixException {
        requireNative(buf);
        int n = fd.acquire(name);
        try (Syscall call = begin(name, fd.path())) {
            for (;;) {
                long done = libc.call(call.capture(), n, buf, buf.byteSize(), offset);
                if (done >= 0) {
                    return done;
                }
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), name, fd.path());
                }
            }
        } finally {
            fd.release();
        }
    }

    /** fdatasync(2) (QEMU's {@code handle_aiocb_flush}). */
    public static void fdatasync(Fd fd) throws PosixException {
        int n = fd.acquire("fdatasync");
        try (Syscall call = begin("fdatasync", fd.path())) {
            while (Libc.fdatasync(call.capture(), n) != 0) {
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), "fdatasync", fd.path());
                }
            }
        } finally {
            fd.release();
        }
    }

    /** ioctl(2) with a value argument; returns what the ioctl returned (never negative). */
    public static int ioctl(Fd fd, long request, long arg) throws PosixException {
        return ioctlCall(fd, request, (capture, n) -> Libc.ioctl(capture, n, request, arg));
    }

    /** ioctl(2) with a pointer argument: {@code arg} is read and/or written as the request defines. */
    public static int ioctl(Fd fd, long request, MemorySegment arg) throws PosixException {
        requireNative(arg);
        return ioctlCall(fd, request, (capture, n) -> Libc.ioctl(capture, n, request, arg));
    }

    /** One ioctl(2) on descriptor {@code fd}, its argument bound. */
    @FunctionalInterface
    private interface IoctlCall {
        int call(MemorySegment capture, int fd);
    }

    private static int ioctlCall(Fd fd, long request, IoctlCall libc) throws PosixException {
        String what = "ioctl(" + Ioctls.name(request) + ")";
        int n = fd.acquire(what);
        try (Syscall call = begin(what, fd.path())) {
            int ret = libc.call(call.capture(), n);
            if (ret < 0) {
                throw PosixException.of(call.errno(), what, fd.path());
            }
            return ret;
        } finally {
            fd.release();
        }
    }

    /** An ioctl that stores an {@code int} through its pointer argument (BLKSSZGET, BLKROGET, SG_GET_VERSION_NUM). */
    public static int ioctlGetInt(Fd fd, long request) throws PosixException {
        try (Syscall mem = new Syscall()) {
            MemorySegment out = mem.arena().allocate(JAVA_INT);
            ioctl(fd, request, out);
            return out.get(JAVA_INT, 0);
        }
    }

    /** An ioctl that stores a 64-bit value through its pointer argument (BLKGETSIZE64). */
    public static long ioctlGetLong(Fd fd, long request) throws PosixException {
        try (Syscall mem = new Syscall()) {
            MemorySegment out = mem.arena().allocate(JAVA_LONG);
            ioctl(fd, request, out);
            return out.get(JAVA_LONG, 0);
        }
    }

    /** A new call's memory; ENOTSUP naming the reason where the bindings cannot work. */
    static Syscall begin(String call, String subject) throws PosixException {
        if (Libc.UNAVAILABLE != null) {
            throw new PosixException(Errno.ENOTSUP.value(), call + " '" + subject + "': " + Libc.UNAVAILABLE);
        }
        return new Syscall();
    }

    private static MemorySegment cPath(Syscall call, String what, String path) throws PosixException {
        if (path.indexOf('\0') >= 0) {
            // A C string would end at the NUL and name another file.
            throw PosixException.of(Errno.EINVAL.value(), what, path.replace("\0", "\\0"));
        }
        return call.cString(path);
    }

    private static void requireNative(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("system calls take native memory, not a heap segment");
        }
    }
}
