package org.blocklayer.posix.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * The raw C library calls, one downcall handle each. Every call that can fail takes a capture segment as its first
 * argument ({@link Linker.Option#captureCallState}): errno is copied there right after the call returns, before the
 * JVM can run anything that would overwrite it. Callers go through {@link Syscall}, which owns that segment.
 *
 * <p>Linux only, LP64 (x86_64 and aarch64): the ioctl numbers, {@code struct statx}, {@code struct flock} and
 * {@code sg_io_hdr} used here have one layout there. On anything else every call fails with ENOTSUP and names the
 * reason.
 */
public final class Libc {

    /** Where {@code captureCallState("errno")} writes errno. */
    public static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** Why the bindings cannot work here, or null when they can. */
    public static final String UNAVAILABLE;

    /** {@code open(2)}'s {@code O_DIRECT}: the only open flag used here whose value differs between the two ABIs. */
    public static final int O_DIRECT;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IOCTL_PTR;
    private static final MethodHandle IOCTL_LONG;
    private static final MethodHandle LSEEK;
    private static final MethodHandle PREAD;
    private static final MethodHandle PWRITE;
    private static final MethodHandle FDATASYNC;
    private static final MethodHandle STATX;
    private static final MethodHandle FCNTL_PTR;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle FTRUNCATE;
    private static final MethodHandle STRERRORDESC;

    static {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        String reason = null;
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            reason = "the POSIX bindings need Linux, not " + os;
        } else if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            reason = "the POSIX bindings know the ABI of x86_64 and aarch64, not " + arch;
        }
        O_DIRECT = arch.equals("aarch64") ? 0200000 : 040000;
        MethodHandle open = null, close = null, ioctlPtr = null, ioctlLong = null, lseek = null, pread = null;
        MethodHandle pwrite = null, fdatasync = null, statx = null, fcntlPtr = null, strerrordesc = null;
        MethodHandle fallocate = null, ftruncate = null;
        if (reason == null) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                Linker.Option variadicAfter2 = Linker.Option.firstVariadicArg(2);
                open = downcall(linker, libc, "open",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), errno, variadicAfter2);
                close = downcall(linker, libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
                ioctlPtr = downcall(linker, libc, "ioctl",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), errno, variadicAfter2);
                ioctlLong = downcall(linker, libc, "ioctl",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), errno, variadicAfter2);
                lseek = downcall(linker, libc, "lseek",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), errno);
                pread = downcall(linker, libc, "pread",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), errno);
                pwrite = downcall(linker, libc, "pwrite",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG), errno);
                fdatasync = downcall(linker, libc, "fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
                statx = downcall(linker, libc, "statx",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), errno);
                // fcntl(int fd, int cmd, ...): variadic like open and ioctl; here only the commands taking a pointer.
                fcntlPtr = downcall(linker, libc, "fcntl",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), errno, variadicAfter2);
                // fallocate(int fd, int mode, off_t offset, off_t len): glibc's wrapper of the Linux system call.
                fallocate = downcall(linker, libc, "fallocate",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), errno);
                ftruncate = downcall(linker, libc, "ftruncate",
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), errno);
                // glibc >= 2.32; thread-safe, unlike strerror. Optional: Errno's texts stand in without it.
                Optional<MemorySegment> desc = libc.find("strerrordesc_np");
                if (desc.isPresent()) {
                    strerrordesc = linker.downcallHandle(desc.get(),
                            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(
                                    Long.MAX_VALUE, JAVA_BYTE)), JAVA_INT));
                }
            } catch (RuntimeException e) {
                reason = "the C library lacks a function the POSIX bindings need: " + e.getMessage();
            }
        }
        UNAVAILABLE = reason;
        OPEN = open;
        CLOSE = close;
        IOCTL_PTR = ioctlPtr;
        IOCTL_LONG = ioctlLong;
        LSEEK = lseek;
        PREAD = pread;
        PWRITE = pwrite;
        FDATASYNC = fdatasync;
        STATX = statx;
        FCNTL_PTR = fcntlPtr;
        FALLOCATE = fallocate;
        FTRUNCATE = ftruncate;
        STRERRORDESC = strerrordesc;
    }

    private Libc() {
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup libc, String name, FunctionDescriptor descriptor,
            Linker.Option... options) {
        MemorySegment symbol = libc.find(name)
                .orElseThrow(() -> new IllegalStateException("symbol '" + name + "' not found"));
        return linker.downcallHandle(symbol, descriptor, options);
    }

    /** The errno a call left in {@code capture}. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    public static int open(MemorySegment capture, MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(capture, path, flags, mode);
        } catch (Throwable t) {
            throw failed("open", t);
        }
    }

    public static int close(MemorySegment capture, int fd) {
        try {
            return (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw failed("close", t);
        }
    }

    public static int ioctl(MemorySegment capture, int fd, long request, MemorySegment arg) {
        try {
            return (int) IOCTL_PTR.invokeExact(capture, fd, request, arg);
        } catch (Throwable t) {
            throw failed("ioctl", t);
        }
    }

    public static int ioctl(MemorySegment capture, int fd, long request, long arg) {
        try {
            return (int) IOCTL_LONG.invokeExact(capture, fd, request, arg);
        } catch (Throwable t) {
            throw failed("ioctl", t);
        }
    }

    public static long lseek(MemorySegment capture, int fd, long offset, int whence) {
        try {
            return (long) LSEEK.invokeExact(capture, fd, offset, whence);
        } catch (Throwable t) {
            throw failed("lseek", t);
        }
    }

    public static long pread(MemorySegment capture, int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) PREAD.invokeExact(capture, fd, buf, count, offset);
        } catch (Throwable t) {
            throw failed("pread", t);
        }
    }

    public static long pwrite(MemorySegment capture, int fd, MemorySegment buf, long count, long offset) {
        try {
            return (long) PWRITE.invokeExact(capture, fd, buf, count, offset);
        } catch (Throwable t) {
            throw failed("pwrite", t);
        }
    }

    public static int fdatasync(MemorySegment capture, int fd) {
        try {
            return (int) FDATASYNC.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw failed("fdatasync", t);
        }
    }

    public static int statx(MemorySegment capture, int dirfd, MemorySegment path, int flags, int mask,
            MemorySegment buf) {
        try {
            return (int) STATX.invokeExact(capture, dirfd, path, flags, mask, buf);
        } catch (Throwable t) {
            throw failed("statx", t);
        }
    }

    /** fcntl(2) with a pointer argument, such as {@code struct flock} for the lock commands. */
    public static int fcntl(MemorySegment capture, int fd, int cmd, MemorySegment arg) {
        try {
            return (int) FCNTL_PTR.invokeExact(capture, fd, cmd, arg);
        } catch (Throwable t) {
            throw failed("fcntl", t);
        }
    }

    /** fallocate(2): allocates, zeroes or deallocates a range of a file, as {@code mode} says. */
    public static int fallocate(MemorySegment capture, int fd, int mode, long offset, long len) {
        try {
            return (int) FALLOCATE.invokeExact(capture, fd, mode, offset, len);
        } catch (Throwable t) {
            throw failed("fallocate", t);
        }
    }

    /** ftruncate(2): the file becomes {@code length} bytes long, cut or extended with a hole. */
    public static int ftruncate(MemorySegment capture, int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(capture, fd, length);
        } catch (Throwable t) {
            throw failed("ftruncate", t);
        }
    }

    /** strerror(3)'s text for {@code errno}, or null when the C library cannot say it thread-safely. */
    public static String strerror(int errno) {
        if (STRERRORDESC == null) {
            return null;
        }
        try {
            MemorySegment text = (MemorySegment) STRERRORDESC.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? null : text.getString(0);
        } catch (Throwable t) {
            return null;
        }
    }

    /** A downcall cannot throw a checked exception; anything here is a bug in the binding, not an errno. */
    private static RuntimeException failed(String call, Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("downcall " + call + " failed", t);
    }
}
