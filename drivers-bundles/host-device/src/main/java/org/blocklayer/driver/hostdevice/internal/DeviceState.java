package org.blocklayer.driver.hostdevice.internal;

import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Fd;

/**
 * The per-node state of the {@code host_device} driver, QEMU's {@code BDRVRawState} reduced to what block devices
 * need.
 *
 * @param filename the path as the user gave it, for messages
 * @param io       reads and writes on the open device ({@code s->fd}); its alignment is the logical block size
 *                 with O_DIRECT, else 1 ({@code bs->bl.request_alignment})
 * @param writable opened O_RDWR
 * @param direct   opened O_DIRECT ({@code cache.direct=on})
 */
record DeviceState(String filename, AlignedIo io, boolean writable, boolean direct) {

    /** The open device. */
    Fd fd() {
        return io.fd();
    }

    int alignment() {
        return io.alignment();
    }

    /** {@code raw_close}: closes the descriptor once, after any call still running on it. */
    void close() {
        io.fd().close();
    }
}
