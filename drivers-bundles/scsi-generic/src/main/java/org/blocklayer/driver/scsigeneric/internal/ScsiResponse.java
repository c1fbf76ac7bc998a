package org.blocklayer.driver.scsigeneric.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.SgIoResult;

/**
 * One SCSI command's outcome: the statuses SG_IO reported and the data that came back.
 *
 * @param result what the kernel wrote into the sg_io_hdr
 * @param data   the bytes transferred from the device (the requested length less the residual)
 */
record ScsiResponse(SgIoResult result, byte[] data) {

    /** SCSI status CHECK CONDITION: sense data says what went wrong. */
    static final int CHECK_CONDITION = 0x02;
    static final int BUSY = 0x08;
    static final int TASK_SET_FULL = 0x28;
    /** Host status DID_TIME_OUT. */
    static final int DID_TIME_OUT = 0x03;

    boolean ok() {
        return result.ok();
    }

    /** The decoded sense data, or null when the device sent none. */
    Sense sense() {
        return Sense.decode(result.sense(), result.sense().length);
    }

    /** The failure as a BlockException whose errno follows the sense data, or the host and SCSI status. */
    BlockException error(String what, String command) {
        Sense sense = sense();
        String prefix = what + ": " + command + " failed: ";
        if (result.hostStatus() != 0) {
            Errno errno = result.hostStatus() == DID_TIME_OUT ? Errno.ETIMEDOUT : Errno.EIO;
            return new BlockException(errno, prefix + String.format("host status 0x%02x", result.hostStatus()));
        }
        if (result.status() == CHECK_CONDITION && sense != null) {
            return new BlockException(sense.errno(), prefix + "CHECK CONDITION, " + sense.describe());
        }
        Errno errno = result.status() == BUSY || result.status() == TASK_SET_FULL ? Errno.EAGAIN : Errno.EIO;
        return new BlockException(errno, prefix + String.format("SCSI status 0x%02x, driver status 0x%02x",
                result.status(), result.driverStatus()));
    }
}
