package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class ReplyParserTest {
    private final FakeTable table = new FakeTable();

    private void feed(boolean structured, byte[]... messages) throws NbdProtocolException {
        ReplyParser p = new ReplyParser(table, structured);
        p.feed(ByteBuffer.wrap(ServerBytes.concat(messages)));
        assertThat(p.idle()).isTrue();
    }

    /** The same bytes one at a time: a reply may arrive split anywhere. */
    private void feedByteByByte(boolean structured, byte[]... messages) throws NbdProtocolException {
        ReplyParser p = new ReplyParser(table, structured);
        for (byte b : ServerBytes.concat(messages)) {
            p.feed(ByteBuffer.wrap(new byte[] {b}));
        }
        assertThat(p.idle()).isTrue();
    }

    @Test
    void simpleRepliesCarryReadDataAndErrors() throws Exception {
        NbdRequest read = table.read(1, 4096, 8);
        NbdRequest write = table.command(2, Nbd.CMD_WRITE, 0, 512);
        NbdRequest flush = table.command(3, Nbd.CMD_FLUSH, 0, 0);
        feedByteByByte(false, ServerBytes.simpleReply(0, 3, new byte[0]),
                ServerBytes.simpleReply(28, 2, new byte[0]), ServerBytes.simpleReply(0, 1, ServerBytes.filled(8, 7)));
        assertThat(table.completed).containsExactly(flush, write, read);
        assertThat(read.data().array()).containsOnly(7);
        assertThat(write.serverErrorValue()).isEqualTo(28);
        assertThat(flush.serverErrorValue()).isZero();
    }

    @Test
    void structuredChunksAssembleOutOfOrderWithHolesAndInterleave() throws Exception {
        NbdRequest a = table.read(10, 1000, 300);
        NbdRequest b = table.read(11, 0, 100);
        feedByteByByte(true,
                ServerBytes.data(false, 10, 1200, ServerBytes.filled(100, 3)),
                ServerBytes.data(true, 11, 0, ServerBytes.filled(100, 9)),
                ServerBytes.hole(false, 10, 1100, 100),
                ServerBytes.data(false, 10, 1000, ServerBytes.filled(100, 1)),
                ServerBytes.none(10));
        assertThat(table.completed).containsExactly(b, a);
        byte[] got = a.data().array();
        for (int i = 0; i < 300; i++) {
            assertThat(got[i]).isEqualTo((byte) (i < 100 ? 1 : i < 200 ? 0 : 3));
        }
        assertThat(b.data().array()).containsOnly(9);
    }

    @Test
    void errorChunksKeepTheFirstErrorAndItsMessage() throws Exception {
        NbdRequest r = table.read(5, 0, 1024);
        NbdRequest w = table.command(6, Nbd.CMD_WRITE, 0, 512);
        feed(true, ServerBytes.data(false, 5, 0, new byte[512]),
                ServerBytes.errorOffsetChunk(false, 5, 5, "bad sector", 512),
                ServerBytes.errorChunk(true, 5, 28, "later"),
                ServerBytes.errorChunk(true, 6, 1, ""));
        assertThat(r.serverErrorValue()).isEqualTo(5);
        assertThat(r.serverMessage()).isEqualTo("bad sector");
        assertThat(w.serverErrorValue()).isEqualTo(1);
        assertThat(w.serverMessage()).isNull();
    }

    @Test
    void unknownErrorTypesFailTheRequestButKeepTheConnection() throws Exception {
        NbdRequest r = table.command(7, Nbd.CMD_TRIM, 0, 4096);
        byte[] payload = ByteBuffer.allocate(10).putInt(22).putShort((short) 0).putInt(1234).array();
        feed(true, ServerBytes.chunk(Nbd.REPLY_FLAG_DONE, 0x8000 | 77, 7, payload));
        assertThat(r.serverErrorValue()).isEqualTo(22);
        assertThat(table.completed).containsExactly(r);
    }

    @Test
    void protocolViolationsAreRejected() {
        byte[][] violations = {
            ByteBuffer.allocate(16).putInt(0x12345678).array(),
            ServerBytes.simpleReply(0, 99, new byte[0]),
            ServerBytes.simpleReply(0, 1, new byte[64]),
            ServerBytes.data(true, 1, 60, new byte[8]),
            ServerBytes.data(true, 1, 0, new byte[65]),
            ServerBytes.data(true, 1, -1, new byte[8]),
            ServerBytes.hole(true, 1, 0, 65),
            ServerBytes.hole(true, 1, 0, 0),
            ServerBytes.concat(ServerBytes.data(false, 1, 0, new byte[32]), ServerBytes.hole(true, 1, 16, 48)),
            ServerBytes.data(true, 1, 0, new byte[32]),
            ServerBytes.chunk(0, Nbd.REPLY_TYPE_NONE, 1, new byte[0]),
            ServerBytes.chunk(1, Nbd.REPLY_TYPE_NONE, 1, new byte[4]),
            ServerBytes.chunk(1, 5, 1, new byte[12]),
            ServerBytes.chunk(1, Nbd.REPLY_TYPE_OFFSET_DATA, 1, new byte[8]),
            ServerBytes.chunk(1, Nbd.REPLY_TYPE_ERROR, 1, new byte[5]),
            ServerBytes.chunk(1, Nbd.REPLY_TYPE_ERROR, 1, ByteBuffer.allocate(6).putInt(0).array()),
            ServerBytes.chunk(1, Nbd.REPLY_TYPE_ERROR, 1, ByteBuffer.allocate(8).putInt(5).putShort((short) 3)
                    .array()),
            ServerBytes.chunk(1, Nbd.REPLY_TYPE_ERROR, 1, new byte[ReplyParser.MAX_SMALL_PAYLOAD + 1]),
            ServerBytes.errorOffsetChunk(true, 1, 5, "", 64),
            ServerBytes.data(true, 2, 0, new byte[8]),
            ByteBuffer.allocate(28).putInt(Nbd.STRUCTURED_REPLY_MAGIC).putShort((short) 1)
                    .putShort((short) Nbd.REPLY_TYPE_OFFSET_DATA).putLong(1).putInt(-1).array(),
        };
        for (int i = 0; i < violations.length; i++) {
            FakeTable t = new FakeTable();
            t.read(1, 0, 64);
            t.command(2, Nbd.CMD_WRITE, 0, 64);
            ReplyParser p = new ReplyParser(t, true);
            byte[] v = violations[i];
            assertThatThrownBy(() -> p.feed(ByteBuffer.wrap(v))).as("violation %d", i)
                    .isInstanceOf(NbdProtocolException.class);
        }
    }

    @Test
    void simpleReadRepliesAreViolationsOnceStructuredRepliesAreOnAndChunksWithoutThem() {
        table.read(1, 0, 8);
        ReplyParser structured = new ReplyParser(table, true);
        assertThatThrownBy(() -> structured.feed(ByteBuffer.wrap(ServerBytes.simpleReply(0, 1, new byte[8]))))
                .isInstanceOf(NbdProtocolException.class).hasMessageContaining("simple reply to a read");
        ReplyParser simple = new ReplyParser(table, false);
        assertThatThrownBy(() -> simple.feed(ByteBuffer.wrap(ServerBytes.none(1))))
                .isInstanceOf(NbdProtocolException.class).hasMessageContaining("not negotiated");
    }

    @Test
    void readDataCanGoStraightIntoTheRequestBuffer() throws Exception {
        NbdRequest r = table.read(4, 0, 4096);
        ReplyParser p = new ReplyParser(table, true);
        byte[] header = java.util.Arrays.copyOf(ServerBytes.data(true, 4, 0, new byte[4096]), 28);
        p.feed(ByteBuffer.wrap(header));
        ByteBuffer direct = p.directTarget();
        assertThat(direct.remaining()).isEqualTo(4096);
        direct.put(ServerBytes.filled(4096, 0x42));
        p.directFilled();
        assertThat(table.completed).containsExactly(r);
        assertThat(r.data().array()).containsOnly(0x42);
        assertThat(p.directTarget()).isNull();
    }
}
