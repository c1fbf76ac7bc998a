package org.blocklayer.posix.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The memory of one system call: a confined arena for its arguments (paths, out-parameters) and the segment its
 * errno is captured in. Closing it frees everything, so nothing outlives the call.
 */
public final class Syscall implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment capture = arena.allocate(Libc.CAPTURE_LAYOUT);

    public Arena arena() {
        return arena;
    }

    /** The segment to pass as a downcall's first argument. */
    public MemorySegment capture() {
        return capture;
    }

    /** errno as the last call through {@link #capture()} left it. */
    public int errno() {
        return Libc.errno(capture);
    }

    /** {@code s} as a NUL-terminated UTF-8 C string. */
    public MemorySegment cString(String s) {
        return arena.allocateFrom(s);
    }

    @Override
    public void close() {
        arena.close();
    }
}
