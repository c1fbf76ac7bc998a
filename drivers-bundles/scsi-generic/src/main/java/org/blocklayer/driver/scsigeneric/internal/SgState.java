package org.blocklayer.driver.scsigeneric.internal;

import org.blocklayer.posix.Fd;
import org.blocklayer.posix.ScsiId;

/**
 * The per-node state of the {@code scsi-generic} driver.
 *
 * @param filename  the path as the user gave it, for messages
 * @param fd        the open sg device
 * @param sgVersion the sg driver's version (SG_GET_VERSION_NUM), e.g. 30536
 * @param scsiId    where the device sits and its peripheral type (SG_GET_SCSI_ID)
 */
record SgState(String filename, Fd fd, int sgVersion, ScsiId scsiId) {

    void close() {
        fd.close();
    }
}
