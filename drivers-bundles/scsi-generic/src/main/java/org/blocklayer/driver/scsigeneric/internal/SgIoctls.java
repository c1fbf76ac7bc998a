package org.blocklayer.driver.scsigeneric.internal;

import org.blocklayer.posix.Fd;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ScsiId;
import org.blocklayer.posix.SgIo;

/**
 * The two ioctls of {@code hdev_is_sg} (block/file-posix.c) on an open character device: {@link #LINUX} asks the
 * kernel; tests answer as an sg device would, where the machine has none.
 */
interface SgIoctls {

    /** {@code SG_GET_VERSION_NUM}: the sg driver's version; fails on anything that is not sg. */
    int versionNum(Fd fd) throws PosixException;

    /** {@code SG_GET_SCSI_ID}: where the device sits and its peripheral type. */
    ScsiId scsiId(Fd fd) throws PosixException;

    SgIoctls LINUX = new SgIoctls() {
        @Override
        public int versionNum(Fd fd) throws PosixException {
            return SgIo.versionNum(fd);
        }

        @Override
        public ScsiId scsiId(Fd fd) throws PosixException {
            return SgIo.scsiId(fd);
        }
    };
}
