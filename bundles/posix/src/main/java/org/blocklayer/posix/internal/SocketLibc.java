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
 * The socket calls of the C library, one downcall handle each, errno captured as {@link Libc} does: socket(2),
 * connect(2), poll(2) and getsockopt(2). Their constants are the same on x86_64 and aarch64.
 */
public final class SocketLibc {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_ERROR = 4;
    public static final short POLLOUT = 4;

    private static final MethodHandle SOCKET;
    private static final MethodHandle CONNECT;
    private static final MethodHandle POLL;
    private static final MethodHandle GETSOCKOPT;

    static {
        MethodHandle socket = null, connect = null, poll = null, getsockopt = null;
        if (Libc.UNAVAILABLE == null) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            socket = Libc.downcall(linker, libc, "socket",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), errno);
            connect = Libc.downcall(linker, libc, "connect",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
            poll = Libc.downcall(linker, libc, "poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT),
                    errno);
            getsockopt = Libc.downcall(linker, libc, "getsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), errno);
        }
        SOCKET = socket;
        CONNECT = connect;
        POLL = poll;
        GETSOCKOPT = getsockopt;
    }

    private SocketLibc() {
    }

    public static int socket(MemorySegment capture, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(capture, domain, type, protocol);
        } catch (Throwable t) {
            throw Libc.failed("socket", t);
        }
    }

    public static int connect(MemorySegment capture, int fd, MemorySegment address, int length) {
        try {
            return (int) CONNECT.invokeExact(capture, fd, address, length);
        } catch (Throwable t) {
            throw Libc.failed("connect", t);
        }
    }

    /** poll(2) of {@code count} {@code struct pollfd}s. */
    public static int poll(MemorySegment capture, MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(capture, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw Libc.failed("poll", t);
        }
    }

    public static int getsockopt(MemorySegment capture, int fd, int level, int name, MemorySegment value,
            MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(capture, fd, level, name, value, length);
        } catch (Throwable t) {
            throw Libc.failed("getsockopt", t);
        }
    }
}
