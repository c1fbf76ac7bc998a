package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.junit.jupiter.api.Test;

class HandshakeTest {
    private static final int FLAGS = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
            | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES | Nbd.FLAG_CAN_MULTI_CONN;

    private static ExportInfo negotiate(BufferIo io, String export) throws Exception {
        return new Handshake(io, export, "127.0.0.1:10809").negotiate();
    }

    @Test
    void fixedNewstyleWithStructuredRepliesAndGoGivesSizeFlagsAndBlockSizes() throws Exception {
        BufferIo io = new BufferIo(ServerBytes.concat(ServerBytes.greeting(3), ServerBytes.ack(8),
                ServerBytes.infoExport(65537, FLAGS), ServerBytes.infoBlockSize(512, 4096, 1 << 20),
                ServerBytes.ack(7)));
        ExportInfo info = negotiate(io, "disk");
        assertThat(info.size()).isEqualTo(65537);
        assertThat(info.structured()).isTrue();
        assertThat(info.canFlush()).isTrue();
        assertThat(info.canFua()).isTrue();
        assertThat(info.canTrim()).isTrue();
        assertThat(info.canWriteZeroes()).isTrue();
        assertThat(info.canMultiConn()).isTrue();
        assertThat(info.readOnly()).isFalse();
        assertThat(info.minBlock()).isEqualTo(512);
        assertThat(info.maxRequest()).isEqualTo(1 << 20);

        ByteBuffer c = io.clientBytes();
        assertThat(c.getInt()).as("client flags: fixed newstyle + no zeroes").isEqualTo(3);
        assertThat(c.getLong()).isEqualTo(Nbd.OPTS_MAGIC);
        assertThat(c.getInt()).isEqualTo(Nbd.OPT_STRUCTURED_REPLY);
        assertThat(c.getInt()).isZero();
        assertThat(c.getLong()).isEqualTo(Nbd.OPTS_MAGIC);
        assertThat(c.getInt()).isEqualTo(Nbd.OPT_GO);
        assertThat(c.getInt()).isEqualTo(4 + 4 + 2 + 2);
        assertThat(c.getInt()).isEqualTo(4);
        byte[] name = new byte[4];
        c.get(name);
        assertThat(new String(name, StandardCharsets.US_ASCII)).isEqualTo("disk");
        assertThat(c.getShort()).isEqualTo((short) 1);
        assertThat(c.getShort()).isEqualTo((short) Nbd.INFO_BLOCK_SIZE);
        assertThat(c.hasRemaining()).isFalse();
    }

    @Test
    void declinedStructuredRepliesFallBackToSimpleReplies() throws Exception {
        BufferIo io = new BufferIo(ServerBytes.concat(ServerBytes.greeting(1),
                ServerBytes.error(8, Nbd.REP_ERR_UNSUP, "no"), ServerBytes.infoExport(4096, 1), ServerBytes.ack(7)));
        ExportInfo info = negotiate(io, "");
        assertThat(info.structured()).isFalse();
        assertThat(info.minBlock()).isEqualTo(1);
        assertThat(io.clientBytes().getInt()).as("no NO_ZEROES unless offered").isEqualTo(1);
    }

    @Test
    void serversWithoutGoGetExportNameAndTheirZeroPadding() throws Exception {
        byte[] exportReply = ByteBuffer.allocate(134).putLong(8192).putShort((short) 3).array();
        BufferIo io = new BufferIo(ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8),
                ServerBytes.error(7, Nbd.REP_ERR_UNSUP, ""), exportReply));
        ExportInfo info = negotiate(io, "x");
        assertThat(info.size()).isEqualTo(8192);
        assertThat(info.readOnly()).isTrue();
        assertThat(info.structured()).isTrue();
    }

    @Test
    void unknownExportIsEnoentNamingExportAndServer() throws Exception {
        BufferIo io = new BufferIo(ServerBytes.concat(ServerBytes.greeting(3), ServerBytes.ack(8),
                ServerBytes.error(7, Nbd.REP_ERR_UNKNOWN, "no such export")));
        assertThatThrownBy(() -> negotiate(io, "nosuch")).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            assertThat(e.getMessage()).isEqualTo("export 'nosuch' not available on server 127.0.0.1:10809"
                    + " (server says: no such export)");
        });
        ByteBuffer c = io.clientBytes();
        c.position(c.limit() - 16);
        assertThat(c.getLong()).isEqualTo(Nbd.OPTS_MAGIC);
        assertThat(c.getInt()).as("NBD_OPT_ABORT after a refusal").isEqualTo(Nbd.OPT_ABORT);
    }

    @Test
    void refusalsMapToErrnos() {
        int[][] cases = {{Nbd.REP_ERR_POLICY, Errno.EPERM.value()}, {Nbd.REP_ERR_INVALID, Errno.EINVAL.value()},
            {Nbd.REP_ERR_TLS_REQD, Errno.EPERM.value()}, {Nbd.REP_ERR_SHUTDOWN, Errno.ESHUTDOWN.value()},
            {Nbd.REP_ERR_PLATFORM, Errno.ENOTSUP.value()}, {Nbd.REP_FLAG_ERROR | 99, Errno.EINVAL.value()}};
        for (int[] c : cases) {
            BufferIo io = new BufferIo(ServerBytes.concat(ServerBytes.greeting(3), ServerBytes.ack(8),
                    ServerBytes.error(7, c[0], "")));
            assertThatThrownBy(() -> negotiate(io, "e")).isInstanceOfSatisfying(BlockException.class,
                    e -> assertThat(e.errno().value()).as("reply 0x%x", c[0]).isEqualTo(c[1]));
        }
        BufferIo tls = new BufferIo(ServerBytes.concat(ServerBytes.greeting(3),
                ServerBytes.error(8, Nbd.REP_ERR_TLS_REQD, "")));
        assertThatThrownBy(() -> negotiate(tls, "e")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.getMessage()).contains("requires TLS"));
    }

    @Test
    void brokenServersAreProtocolErrors() {
        byte[][] broken = {
            ByteBuffer.allocate(18).putLong(0x1234).array(),
            ByteBuffer.allocate(18).putLong(Nbd.INIT_MAGIC).putLong(42).array(),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(7)),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8), ServerBytes.ack(7)),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8),
                    ServerBytes.optionReply(7, Nbd.REP_INFO, new byte[] {0, 0, 1})),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8), ServerBytes.infoExport(-1, 1)),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8), ServerBytes.infoBlockSize(3, 4096, -1)),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8), ServerBytes.infoBlockSize(512, 256, -1)),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8), ServerBytes.infoBlockSize(512, 4096, 1000)),
            ServerBytes.concat(ServerBytes.greeting(1), ServerBytes.ack(8),
                    ByteBuffer.allocate(20).putLong(Nbd.REP_MAGIC).putInt(7).putInt(3).putInt(-1).array()),
        };
        for (byte[] b : broken) {
            assertThatThrownBy(() -> negotiate(new BufferIo(b), "")).isInstanceOf(NbdProtocolException.class);
        }
    }

    @Test
    void oldstyleAndPlainNewstyleServersAreRefusedAsUnsupported() {
        byte[] oldstyle = ByteBuffer.allocate(152).putLong(Nbd.INIT_MAGIC).putLong(Nbd.OLDSTYLE_MAGIC).array();
        assertThatThrownBy(() -> negotiate(new BufferIo(oldstyle), "")).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTSUP));
        assertThatThrownBy(() -> negotiate(new BufferIo(ServerBytes.greeting(0)), ""))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.getMessage()).contains("fixed"));
    }

    @Test
    void aShortHandshakeIsEndOfFile() {
        byte[] full = ServerBytes.handshake(4096, 1);
        for (int cut = 0; cut < full.length; cut += 7) {
            byte[] part = java.util.Arrays.copyOf(full, cut);
            assertThatThrownBy(() -> negotiate(new BufferIo(part), "")).isInstanceOf(EOFException.class);
        }
    }
}
