package org.blocklayer.driver.scsigeneric.internal;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.blocklayer.posix.Fd;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.SgIo;
import org.blocklayer.posix.SgIoResult;

/** One SG_IO command that reads data from the device. Blocking: runs on a worker thread. */
final class SgCommand {

    /** How long the kernel waits for the device before it aborts the command (DID_TIME_OUT). */
    static final int TIMEOUT_MILLIS = 30_000;

    private SgCommand() {
    }

    static ScsiResponse read(Fd fd, byte[] cdb, int dataLength) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(dataLength);
            SgIoResult result = SgIo.execute(fd, cdb, SgIo.DXFER_FROM_DEV, data, TIMEOUT_MILLIS);
            int transferred = Math.clamp((long) dataLength - result.resid(), 0, dataLength);
            return new ScsiResponse(result, data.asSlice(0, transferred).toArray(JAVA_BYTE));
        }
    }
}
