package org.blocklayer.driver.scsigeneric.internal;

import java.io.IOException;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * The capacity of a SCSI device as Linux's sd driver finds it: READ CAPACITY(16) first; when the device refuses that
 * command (ILLEGAL REQUEST: an SBC-2 device without SERVICE ACTION IN(16)), READ CAPACITY(10), whose last LBA of
 * FFFFFFFFh means "too large for me". Any other failure is reported as it is, without a second command.
 */
final class CapacityProbe {

    private CapacityProbe() {
    }

    /** The capacity in bytes; {@code what} (what failed on which device) begins every error's detail. */
    static long bytes(ScsiTransport transport, String what) throws BlockException, IOException {
        byte[] rc16 = Cdb.readCapacity16(ReadCapacity.LENGTH_16);
        ScsiResponse r16 = transport.execute(rc16, ReadCapacity.LENGTH_16);
        if (r16.ok()) {
            return parsed(() -> ReadCapacity.parse16(r16.data(), r16.data().length).bytes(), what);
        }
        Sense sense = r16.sense();
        if (sense == null || sense.key() != Sense.ILLEGAL_REQUEST) {
            throw r16.error(what, Cdb.name(rc16));
        }
        byte[] rc10 = Cdb.readCapacity10();
        ScsiResponse r10 = transport.execute(rc10, ReadCapacity.LENGTH_10);
        if (!r10.ok()) {
            throw r10.error(what, Cdb.name(rc10));
        }
        ReadCapacity capacity = parsed(() -> ReadCapacity.parse10(r10.data(), r10.data().length), what);
        if (capacity.needs16()) {
            throw new BlockException(Errno.EIO, what + ": READ CAPACITY(10) says the capacity needs READ CAPACITY(16),"
                    + " which the device refused (" + sense.describe() + ")");
        }
        return parsed(capacity::bytes, what);
    }

    private interface Parse<T> {
        T get() throws BlockException;
    }

    private static <T> T parsed(Parse<T> parse, String what) throws BlockException {
        try {
            return parse.get();
        } catch (BlockException e) {
            throw e.prepend(what + ": ");
        }
    }
}
