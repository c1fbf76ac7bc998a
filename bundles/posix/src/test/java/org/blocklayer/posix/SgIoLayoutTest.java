package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code struct sg_io_hdr} and {@code struct sg_scsi_id} as scsi/sg.h lays them out on LP64 Linux. */
class SgIoLayoutTest {

    @Test
    void sgIoHdrIs88BytesWithEveryFieldWhereTheCompilerPutsIt() {
        assertThat(SgIo.HEADER.byteSize()).isEqualTo(88);
        assertThat(SgIo.HEADER.byteAlignment()).isEqualTo(8);
        String[] fields = {"interface_id", "dxfer_direction", "cmd_len", "mx_sb_len", "iovec_count", "dxfer_len",
            "dxferp", "cmdp", "sbp", "timeout", "flags", "pack_id", "usr_ptr", "status", "masked_status",
            "msg_status", "sb_len_wr", "host_status", "driver_status", "resid", "duration", "info"};
        long[] offsets = {0, 4, 8, 9, 10, 12, 16, 24, 32, 40, 44, 48, 56, 64, 65, 66, 67, 68, 70, 72, 76, 80};
        for (int i = 0; i < fields.length; i++) {
            assertThat(SgIo.offset(SgIo.HEADER, fields[i])).as(fields[i]).isEqualTo(offsets[i]);
        }
    }

    @Test
    void sgScsiIdIs32Bytes() {
        assertThat(SgIo.SCSI_ID.byteSize()).isEqualTo(32);
        assertThat(SgIo.offset(SgIo.SCSI_ID, "scsi_type")).isEqualTo(16);
        assertThat(SgIo.offset(SgIo.SCSI_ID, "h_cmd_per_lun")).isEqualTo(20);
        assertThat(SgIo.offset(SgIo.SCSI_ID, "d_queue_depth")).isEqualTo(22);
    }

    @Test
    void ioctlNumbersAreTheKernelsAndHaveNames() {
        assertThat(Ioctls.BLKGETSIZE64).isEqualTo(0x80081272L);
        assertThat(Ioctls.BLKSSZGET).isEqualTo(0x1268L);
        assertThat(Ioctls.BLKROGET).isEqualTo(0x125eL);
        assertThat(Ioctls.SG_GET_VERSION_NUM).isEqualTo(0x2282L);
        assertThat(Ioctls.SG_GET_SCSI_ID).isEqualTo(0x2276L);
        assertThat(Ioctls.SG_IO).isEqualTo(0x2285L);
        assertThat(Ioctls.name(Ioctls.SG_IO)).isEqualTo("SG_IO");
        assertThat(Ioctls.name(0x5401)).isEqualTo("0x5401");
    }
}
