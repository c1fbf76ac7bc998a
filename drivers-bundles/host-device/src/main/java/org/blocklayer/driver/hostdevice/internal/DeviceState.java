package org.blocklayer.driver.hostdevice.internal;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.blocklayer.posix.Fd;

/**
 * The per-node state of the {@code host_device} driver, QEMU's {@code BDRVRawState} reduced to what block devices
 * need.
 *
 * @param filename  the path as the user gave it, for messages
 * @param fd        the open device ({@code s->fd})
 * @param writable  opened O_RDWR
 * @param direct    opened O_DIRECT ({@code cache.direct=on})
 * @param alignment the request alignment: the logical block size (BLKSSZGET) with O_DIRECT, else 1
 *                  ({@code bs->bl.request_alignment})
 * @param rmw       with O_DIRECT, a write that covers part of a block rewrites the whole block: such writes take the
 *                  write side, every other write the read side, so no write lands between a read-modify-write's
 *                  read and its write. Held on worker threads only, never on a context's thread.
 */
record DeviceState(String filename, Fd fd, boolean writable, boolean direct, int alignment, ReadWriteLock rmw) {

    DeviceState(String filename, Fd fd, boolean writable, boolean direct, int alignment) {
        this(filename, fd, writable, direct, alignment, new ReentrantReadWriteLock());
    }

    /** {@code raw_close}: closes the descriptor once, after any call still running on it. */
    void close() {
        fd.close();
    }
}
