package org.blocklayer.driver.scsigeneric.internal;

import java.io.IOException;

/** Sends one SCSI command that reads {@code dataLength} bytes from the device. */
@FunctionalInterface
interface ScsiTransport {
    ScsiResponse execute(byte[] cdb, int dataLength) throws IOException;
}
