package org.blocklayer.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.internal.Libc;
import org.blocklayer.posix.internal.SocketLibc;
import org.blocklayer.posix.internal.Syscall;

/**
 * The errno of a failed connect, from the kernel. QEMU's {@code inet_connect_saddr} and {@code unix_connect_saddr}
 * report a connect that failed with the errno connect(2) set; a JDK {@link java.nio.channels.SocketChannel} says it
 * in words only, and a socket an AioContext watches has to be such a channel. So once the JDK's connect failed, this
 * makes the same call again through FFM, on a socket like the JDK's (a non-blocking stream socket of the address's
 * family), and reads the errno the kernel answers it.
 */
public final class ConnectProbe {
    /** {@code sizeof(struct sockaddr_un.sun_path)} on Linux. */
    public static final int SUN_PATH_BYTES = 108;

    private static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private ConnectProbe() {
    }

    /**
     * The errno connect(2) to {@code address} fails with now: the call's own, or, for a connect that goes on in the
     * background (TCP), the socket's {@code SO_ERROR} once it ended. Empty when the kernel gave none: the connect
     * succeeded (the socket is closed again at once), it did not end within {@code timeoutNanos}, the address is no
     * resolved inet or unix address, or the bindings cannot work here.
     */
    public static Optional<Errno> failure(SocketAddress address, long timeoutNanos) {
        if (Libc.UNAVAILABLE != null) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        try (Syscall call = new Syscall()) {
            MemorySegment sockaddr = sockaddr(call.arena(), address);
            if (sockaddr == null) {
                return Optional.empty();
            }
            int family = sockaddr.get(JAVA_SHORT, 0);
            int fd = SocketLibc.socket(call.capture(), family,
                    SocketLibc.SOCK_STREAM | SocketLibc.SOCK_NONBLOCK | SocketLibc.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                return Optional.of(Errno.of(call.errno()));
            }
            try {
                if (SocketLibc.connect(call.capture(), fd, sockaddr, (int) sockaddr.byteSize()) == 0) {
                    return Optional.empty();
                }
                int errno = call.errno();
                // A non-blocking connect that did not end at once goes on; an interrupted one too (connect(2)).
                if (errno != Errno.EINPROGRESS.value() && errno != Errno.EINTR.value()) {
                    return Optional.of(Errno.of(errno));
                }
                return outcome(call, fd, deadline);
            } finally {
                Libc.close(call.capture(), fd);
            }
        }
    }

    /** Waits for a connect in progress to end (POLLOUT), then reads its result from {@code SO_ERROR}. */
    private static Optional<Errno> outcome(Syscall call, int fd, long deadline) {
        MemorySegment pollfd = call.arena().allocate(8, 4);
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, SocketLibc.POLLOUT);
        for (;;) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            int ready = SocketLibc.poll(call.capture(), pollfd, 1, millis);
            if (ready > 0) {
                break;
            }
            if (ready < 0 && call.errno() != Errno.EINTR.value()) {
                return Optional.empty();
            }
        }
        MemorySegment value = call.arena().allocate(JAVA_INT);
        MemorySegment length = call.arena().allocate(JAVA_INT);
        length.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
        if (SocketLibc.getsockopt(call.capture(), fd, SocketLibc.SOL_SOCKET, SocketLibc.SO_ERROR, value, length) != 0) {
            return Optional.empty();
        }
        int errno = value.get(JAVA_INT, 0);
        return errno == 0 ? Optional.empty() : Optional.of(Errno.of(errno));
    }

    /**
     * {@code struct sockaddr_un}, {@code sockaddr_in} or {@code sockaddr_in6} for {@code address}: the family in host
     * order, the port in network order; null for an address that is neither, or a unix path longer than
     * {@code sun_path}.
     */
    private static MemorySegment sockaddr(Arena arena, SocketAddress address) {
        return switch (address) {
            case UnixDomainSocketAddress unix -> sockaddrUn(arena, unix.getPath().toString());
            case InetSocketAddress inet when inet.getAddress() instanceof Inet4Address v4 -> {
                MemorySegment sa = arena.allocate(16, 8);
                sa.set(JAVA_SHORT, 0, (short) SocketLibc.AF_INET);
                sa.set(PORT, 2, (short) inet.getPort());
                MemorySegment.copy(v4.getAddress(), 0, sa, JAVA_BYTE, 4, 4);
                yield sa;
            }
            case InetSocketAddress inet when inet.getAddress() instanceof Inet6Address v6 -> {
                MemorySegment sa = arena.allocate(28, 8);
                sa.set(JAVA_SHORT, 0, (short) SocketLibc.AF_INET6);
                sa.set(PORT, 2, (short) inet.getPort());
                MemorySegment.copy(v6.getAddress(), 0, sa, JAVA_BYTE, 8, 16);
                sa.set(JAVA_INT, 24, v6.getScopeId());
                yield sa;
            }
            default -> null;
        };
    }

    private static MemorySegment sockaddrUn(Arena arena, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > SUN_PATH_BYTES) {
            return null;
        }
        // The path NUL-terminated where sun_path has room for the NUL; a path that fills it is taken as it is.
        MemorySegment sa = arena.allocate(2 + Math.min(bytes.length + 1, SUN_PATH_BYTES), 8);
        sa.set(JAVA_SHORT, 0, (short) SocketLibc.AF_UNIX);
        MemorySegment.copy(bytes, 0, sa, JAVA_BYTE, 2, bytes.length);
        return sa;
    }
}
