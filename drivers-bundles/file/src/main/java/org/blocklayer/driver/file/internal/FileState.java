package org.blocklayer.driver.file.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * The per-node state of the {@code file} driver, QEMU's {@code BDRVRawState} reduced to what regular files need.
 *
 * @param filename the filename as the user gave it, for messages
 * @param channel  the open file ({@code s->fd})
 * @param writable whether the file was opened read-write ({@code O_RDWR})
 */
record FileState(String filename, FileChannel channel, boolean writable) {

    /** {@code raw_close}: never throws, since close must not fail and there is nobody to tell. */
    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // close(2) errors on a regular file carry nothing the block layer could act on.
        }
    }
}
