package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.export.ExportOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server at the level of bytes: what QEMU's nbd/server.c answers, including to clients that misbehave. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolTest {
    private static final int SIZE = 1 << 20;
    @TempDir
    Path dir;
    private ServerFixture f;
    private Path img;

    @BeforeEach
    void setUp() throws Exception {
        f = new ServerFixture(dir);
        img = f.image("a.img", SIZE);
        ServerFixture.fill(img, 0, 65536, 0x5a);
        f.open(img, "disk0", true);
        f.server.add(new ExportOptions("disk0", "rw", true, "writable", ExportOptions.MultiConn.AUTO));
        f.server.add(new ExportOptions("disk0", "ro", false, null, ExportOptions.MultiConn.AUTO));
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    @DisplayName("B52: GO and INFO for an unknown export answer NBD_REP_ERR_UNKNOWN and the session goes on")
    void unknownExportForGoIsAnErrorReply_B52() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            List<RawClient.Reply> info = c.go(Wire.Option.INFO.code, "nope");
            assertThat(info).hasSize(1);
            assertThat(info.getFirst().type()).isEqualTo(Wire.REP_ERR_UNKNOWN);
            assertThat(info.getFirst().text()).isEqualTo("export 'nope' not present");
            assertThat(c.go(Wire.Option.GO.code, "nope").getFirst().type()).isEqualTo(Wire.REP_ERR_UNKNOWN);

            int flags = c.goTo("ro");
            assertThat(flags & Wire.READ_ONLY).isNotZero();
            c.request(0, Wire.Command.READ.code, 7, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(0, 7);
            assertThat(c.read(512).get(0)).isEqualTo((byte) 0x5a);
        }
    }

    @Test
    @DisplayName("B52: EXPORT_NAME for an unknown export closes the connection")
    void unknownExportForExportNameDisconnects_B52() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.option(Wire.Option.EXPORT_NAME.code, ByteBuffer.wrap("nope".getBytes()));
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = RawClient.connect(f.socket)) {
            c.option(Wire.Option.EXPORT_NAME.code, ByteBuffer.wrap("rw".getBytes()));
            ByteBuffer r = c.read(10);
            assertThat(r.getLong()).isEqualTo(SIZE);
            assertThat(r.getShort() & Wire.READ_ONLY).isZero();
        }
    }

    @Test
    @DisplayName("B52: LIST names every export with its description; a name over 4096 bytes is refused")
    void listAndOverlongNames_B52() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.option(Wire.Option.LIST.code, ByteBuffer.allocate(0));
            RawClient.Reply first = c.reply();
            RawClient.Reply second = c.reply();
            assertThat(c.reply().type()).isEqualTo(Wire.REP_ACK);
            assertThat(first.type()).isEqualTo(Wire.REP_SERVER);
            assertThat(first.data().getInt()).isEqualTo(2);
            assertThat(first.text()).isEqualTo("rwwritable");
            assertThat(second.data().getInt()).isEqualTo(2);
            assertThat(second.text()).isEqualTo("ro");

            List<RawClient.Reply> tooLong = c.go(Wire.Option.GO.code, "x".repeat(4097));
            assertThat(tooLong.getFirst().type()).isEqualTo(Wire.REP_ERR_INVALID);
            assertThat(tooLong.getFirst().text()).isEqualTo("Invalid name length: 4097");
            c.option(99, ByteBuffer.allocate(3));
            RawClient.Reply unknown = c.reply();
            assertThat(unknown.type()).isEqualTo(Wire.REP_ERR_UNSUP);
            assertThat(unknown.option()).isEqualTo(99);
            c.goTo("rw");
        }
    }

    @Test
    @DisplayName("B52: an option longer than 32 MiB, bad magic and unknown client flags drop the connection")
    void optionsNobodyCanAnswerDisconnect_B52() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.write(ByteBuffer.allocate(16).putLong(Wire.OPTS_MAGIC).putInt(Wire.Option.GO.code)
                    .putInt(Wire.MAX_BUFFER + 1).flip());
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = RawClient.connect(f.socket)) {
            c.write(ByteBuffer.allocate(16).putLong(0x1234).putInt(7).putInt(0).flip());
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    @DisplayName("B53: past EOF, read-only writes, bad flags, oversized reads get NBD_EINVAL; the connection stays")
    void badRequestsGetEinvalAndTheConnectionStays_B53() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("ro");
            c.request(0, Wire.Command.READ.code, 1, SIZE - 512, 1024, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 1);
            c.request(0, Wire.Command.WRITE.code, 2, 0, 512, ByteBuffer.allocate(512));
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 2);
            c.request(Wire.FAST_ZERO, Wire.Command.READ.code, 3, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 3);
            c.request(0, Wire.Command.READ.code, 4, 0, Wire.MAX_BUFFER + 512L, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 4);
            c.request(0, 42, 5, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 5);
            c.request(0, Wire.Command.BLOCK_STATUS.code, 6, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 6);
            c.request(0, Wire.Command.TRIM.code, 7, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 7);

            c.request(0, Wire.Command.READ.code, 8, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(0, 8);
            assertThat(c.read(512).get(511)).isEqualTo((byte) 0x5a);
        }
    }

    @Test
    @DisplayName("B53: a WRITE over 32 MiB, whose payload is not read, gets NBD_EINVAL and then a disconnect")
    void anOversizedWriteDisconnectsAfterItsReply_B53() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("rw");
            c.request(0, Wire.Command.WRITE.code, 9, 0, Wire.MAX_BUFFER + 1L, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EINVAL, 9);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    @DisplayName("B53: DISC closes without a reply, after the replies of the requests in flight")
    void discAnswersWhatIsInFlightThenCloses_B53() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("rw");
            for (int i = 0; i < 8; i++) {
                c.request(0, Wire.Command.READ.code, 100 + i, i * 4096L, 4096, null);
            }
            c.request(0, Wire.Command.DISC.code, 200, 0, 0, null);
            Set<Long> answered = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                long[] r = c.simpleReply();
                assertThat(r[0]).isZero();
                answered.add(r[1]);
                c.read(4096);
            }
            assertThat(answered).hasSize(8).allMatch(h -> h >= 100 && h < 108);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    @DisplayName("B54: a structured READ answers the node's holes with OFFSET_HOLE; BLOCK_STATUS gives its extents")
    void structuredReadsAnswerHolesAndBlockStatusGivesExtents_B54() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.structuredReplies();
            c.baseAllocation("rw");
            int flags = c.goTo("rw");
            assertThat(flags & Wire.SEND_DF).isNotZero();

            c.request(0, Wire.Command.READ.code, 1, 0, 131072, null);
            RawClient.Chunk data = c.chunk();
            assertThat(data.type()).isEqualTo(Wire.TYPE_OFFSET_DATA);
            assertThat(data.payload().getLong()).isZero();
            assertThat(data.payload().remaining()).isEqualTo(65536);
            assertThat(data.done()).isFalse();
            RawClient.Chunk hole = c.chunk();
            assertThat(hole.type()).isEqualTo(Wire.TYPE_OFFSET_HOLE);
            assertThat(hole.payload().getLong()).isEqualTo(65536);
            assertThat(hole.payload().getInt()).isEqualTo(65536);
            assertThat(hole.done()).isTrue();

            c.request(Wire.DF, Wire.Command.READ.code, 2, 0, 131072, null);
            RawClient.Chunk whole = c.chunk();
            assertThat(whole.type()).isEqualTo(Wire.TYPE_OFFSET_DATA);
            assertThat(whole.payload().remaining()).isEqualTo(8 + 131072);
            assertThat(whole.done()).isTrue();

            c.request(0, Wire.Command.BLOCK_STATUS.code, 3, 0, SIZE, null);
            RawClient.Chunk status = c.chunk();
            assertThat(status.type()).isEqualTo(Wire.TYPE_BLOCK_STATUS);
            ByteBuffer p = status.payload();
            assertThat(p.getInt()).isEqualTo(Wire.META_BASE_ALLOCATION);
            assertThat(new int[] {p.getInt(), p.getInt(), p.getInt(), p.getInt()})
                    .containsExactly(65536, 0, SIZE - 65536, Wire.STATE_HOLE | Wire.STATE_ZERO);
            assertThat(p.hasRemaining()).isFalse();

            c.request(Wire.REQ_ONE, Wire.Command.BLOCK_STATUS.code, 4, 4096, SIZE - 4096, null);
            ByteBuffer one = c.chunk().payload();
            assertThat(one.remaining()).isEqualTo(12);
            assertThat(one.getInt(4)).isEqualTo(65536 - 4096);

            c.request(0, Wire.Command.READ.code, 5, SIZE, 512, null);
            RawClient.Chunk error = c.chunk();
            assertThat(error.type()).isEqualTo(Wire.TYPE_ERROR);
            assertThat(error.payload().getInt()).isEqualTo(Wire.EINVAL);
        }
    }

    @Test
    void sixteenRequestsInFlightAreAllAnswered() throws Exception {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("rw");
            for (int i = 0; i < 32; i++) {
                ByteBuffer payload = ByteBuffer.allocate(4096);
                java.util.Arrays.fill(payload.array(), (byte) i);
                c.request(i % 2 == 0 ? Wire.FUA : 0, Wire.Command.WRITE.code, i, 65536L * 2 + i * 4096L, 4096,
                        payload);
            }
            Set<Long> answered = new HashSet<>();
            for (int i = 0; i < 32; i++) {
                long[] r = c.simpleReply();
                assertThat(r[0]).isZero();
                answered.add(r[1]);
            }
            assertThat(answered).hasSize(32);
        }
        byte[] file = java.nio.file.Files.readAllBytes(img);
        assertThat(file[65536 * 2 + 31 * 4096]).isEqualTo((byte) 31);
    }
}
