package org.blocklayer.posix;

/**
 * What the kernel wrote back into a {@code sg_io_hdr} after {@code SG_IO}.
 *
 * @param status         SCSI status byte (0 GOOD, 2 CHECK CONDITION, 8 BUSY...)
 * @param maskedStatus   the status shifted right by one, as older code expects it
 * @param msgStatus      messaging-level status (SPI only)
 * @param hostStatus     the host adapter's error ({@code DID_*}; 0 is none, 3 a timeout)
 * @param driverStatus   the mid-level driver's status ({@code DRIVER_*}; 8 means sense data is valid)
 * @param resid          bytes of the data transfer that did not happen
 * @param durationMillis how long the command took
 * @param info           {@code SG_INFO_*} bits; bit 0 is set when any status above is not zero
 * @param sense          the sense data written ({@code sb_len_wr} bytes; empty when none)
 */
public record SgIoResult(int status, int maskedStatus, int msgStatus, int hostStatus, int driverStatus, int resid,
        int durationMillis, int info, byte[] sense) {

    /** {@code SG_INFO_OK_MASK}. */
    public static final int INFO_OK_MASK = 0x1;

    /** True when the command completed with GOOD status and neither the host nor the driver reported a problem. */
    public boolean ok() {
        return (info & INFO_OK_MASK) == 0 && status == 0 && hostStatus == 0 && driverStatus == 0;
    }
}
