package org.blocklayer.posix.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The downcalls an io_uring ring needs: the three io_uring system calls through glibc's {@code syscall(2)} (glibc
 * 2.36 has no wrappers), {@code mmap}/{@code munmap} for the rings, and {@code eventfd}/{@code read}/{@code write}
 * for the notifier that wakes a sleeping event loop. Like {@link Libc}, each call that can fail captures errno.
 * {@link #enterNoWait} is linked {@link Linker.Option#critical critical}: a submission without waiting returns in
 * microseconds, so the thread need not leave the Java state for it (a safepoint waits that long at most).
 */
public final class UringCalls {
    /** Why io_uring cannot be called from here, or null. */
    public static final String UNAVAILABLE;

    private static final MethodHandle SETUP;
    private static final MethodHandle ENTER;
    private static final MethodHandle ENTER_CRITICAL;
    private static final MethodHandle REGISTER;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle READ;
    private static final MethodHandle WRITE;

    public static final int PROT_READ_WRITE = 0x1 | 0x2;
    public static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    public static final int EFD_CLOEXEC = 02000000;

    static {
        String reason = Libc.UNAVAILABLE;
        MethodHandle setup = null, enter = null, enterCritical = null, register = null, mmap = null, munmap = null;
        MethodHandle eventfd = null, read = null, write = null;
        if (reason == null) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                Linker.Option variadic = Linker.Option.firstVariadicArg(1);
                setup = Libc.downcall(linker, libc, "syscall",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), errno, variadic);
                FunctionDescriptor enterDesc = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
                enter = Libc.downcall(linker, libc, "syscall", enterDesc, errno, variadic);
                enterCritical = Libc.downcall(linker, libc, "syscall", enterDesc, errno, variadic,
                        Linker.Option.critical(false));
                register = Libc.downcall(linker, libc, "syscall",
                        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), errno,
                        variadic);
                mmap = Libc.downcall(linker, libc, "mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG,
                        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), errno);
                munmap = Libc.downcall(linker, libc, "munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG),
                        errno);
                eventfd = Libc.downcall(linker, libc, "eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
                        errno);
                read = Libc.downcall(linker, libc, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
                        JAVA_LONG), errno);
                write = Libc.downcall(linker, libc, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
                        JAVA_LONG), errno);
            } catch (RuntimeException e) {
                reason = "the C library lacks a function io_uring needs: " + e.getMessage();
            }
        }
        UNAVAILABLE = reason;
        SETUP = setup;
        ENTER = enter;
        ENTER_CRITICAL = enterCritical;
        REGISTER = register;
        MMAP = mmap;
        MUNMAP = munmap;
        EVENTFD = eventfd;
        READ = read;
        WRITE = write;
    }

    private UringCalls() {
    }

    /** {@code io_uring_setup(entries, params)}: the ring's fd, or -1 with errno. */
    public static int setup(MemorySegment capture, int entries, MemorySegment params) {
        try {
            return (int) (long) SETUP.invokeExact(capture, (long) UringAbi.SYS_SETUP, (long) entries, params);
        } catch (Throwable t) {
            throw Libc.failed("io_uring_setup", t);
        }
    }

    /** {@code io_uring_enter} that may wait ({@link UringAbi#ENTER_GETEVENTS} with a minimum). */
    public static int enter(MemorySegment capture, int fd, int toSubmit, int minComplete, int flags) {
        try {
            return (int) (long) ENTER.invokeExact(capture, (long) UringAbi.SYS_ENTER, (long) fd, (long) toSubmit,
                    (long) minComplete, (long) flags, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.failed("io_uring_enter", t);
        }
    }

    /** {@code io_uring_enter(fd, toSubmit, 0, 0)}: submits without waiting for any completion. */
    public static int enterNoWait(MemorySegment capture, int fd, int toSubmit) {
        try {
            return (int) (long) ENTER_CRITICAL.invokeExact(capture, (long) UringAbi.SYS_ENTER, (long) fd,
                    (long) toSubmit, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw Libc.failed("io_uring_enter", t);
        }
    }

    /** {@code io_uring_register(fd, opcode, arg, nrArgs)}. */
    public static int register(MemorySegment capture, int fd, int opcode, MemorySegment arg, int nrArgs) {
        try {
            return (int) (long) REGISTER.invokeExact(capture, (long) UringAbi.SYS_REGISTER, (long) fd,
                    (long) opcode, arg, (long) nrArgs);
        } catch (Throwable t) {
            throw Libc.failed("io_uring_register", t);
        }
    }

    /** {@code mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, fd, offset)}; MAP_FAILED is -1. */
    public static MemorySegment mmap(MemorySegment capture, long length, int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, length, PROT_READ_WRITE,
                    MAP_SHARED_POPULATE, fd, offset);
        } catch (Throwable t) {
            throw Libc.failed("mmap", t);
        }
    }

    public static int munmap(MemorySegment capture, MemorySegment address, long length) {
        try {
            return (int) MUNMAP.invokeExact(capture, address, length);
        } catch (Throwable t) {
            throw Libc.failed("munmap", t);
        }
    }

    public static int eventfd(MemorySegment capture, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(capture, initval, flags);
        } catch (Throwable t) {
            throw Libc.failed("eventfd", t);
        }
    }

    public static long read(MemorySegment capture, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw Libc.failed("read", t);
        }
    }

    public static long write(MemorySegment capture, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw Libc.failed("write", t);
        }
    }
}
