package org.blocklayer.posix;

/**
 * {@code struct sg_scsi_id} as {@code SG_GET_SCSI_ID} fills it (scsi/sg.h).
 *
 * @param scsiType the peripheral device type: 0 disk, 5 CD/DVD, ...
 */
public record ScsiId(int hostNo, int channel, int scsiId, int lun, int scsiType) {
}
