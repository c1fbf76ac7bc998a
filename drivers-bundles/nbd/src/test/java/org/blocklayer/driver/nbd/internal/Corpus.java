package org.blocklayer.driver.nbd.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The committed fuzzing corpus (src/test/resources/nbd-corpus): valid server byte streams built from
 * {@link ServerBytes}. {@code hs-*} are handshakes; {@code rep-s-*} and {@code rep-p-*} are transmission-phase
 * replies with and without structured replies, for the requests of {@link #table()}.
 */
final class Corpus {
    private static final int TX_FLAGS = Nbd.FLAG_HAS_FLAGS | Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA
            | Nbd.FLAG_SEND_TRIM | Nbd.FLAG_SEND_WRITE_ZEROES;

    private Corpus() {
    }

    /** What each corpus file must contain. */
    static Map<String, byte[]> expected() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("hs-go-structured.bin", ServerBytes.handshake(65537, TX_FLAGS));
        m.put("hs-go-simple-replies.bin", ServerBytes.concat(ServerBytes.greeting(Nbd.FLAG_FIXED_NEWSTYLE),
                ServerBytes.error(Nbd.OPT_STRUCTURED_REPLY, Nbd.REP_ERR_UNSUP, "no structured replies"),
                ServerBytes.infoExport(1L << 30, TX_FLAGS | Nbd.FLAG_READ_ONLY), ServerBytes.ack(Nbd.OPT_GO)));
        m.put("hs-go-name-description.bin", ServerBytes.concat(ServerBytes.greeting(3), ServerBytes.ack(8),
                ServerBytes.optionReply(7, Nbd.REP_INFO, ServerBytes.concat(new byte[] {0, 1}, "disk".getBytes())),
                ServerBytes.optionReply(7, Nbd.REP_INFO, ServerBytes.concat(new byte[] {0, 2}, "a disk".getBytes())),
                ServerBytes.infoBlockSize(512, 4096, 1 << 20), ServerBytes.infoExport(1 << 20, TX_FLAGS),
                ServerBytes.ack(7)));
        m.put("hs-export-name.bin", ServerBytes.concat(ServerBytes.greeting(3), ServerBytes.ack(8),
                ServerBytes.error(7, Nbd.REP_ERR_UNSUP, ""),
                ByteBuffer.allocate(10).putLong(4096).putShort((short) TX_FLAGS).array()));
        m.put("hs-unknown-export.bin", ServerBytes.concat(ServerBytes.greeting(3), ServerBytes.ack(8),
                ServerBytes.error(7, Nbd.REP_ERR_UNKNOWN, "export 'e' not found")));
        m.put("rep-s-mixed.bin", ServerBytes.concat(
                ServerBytes.hole(false, 1, 0, 1024),
                ServerBytes.none(2),
                ServerBytes.data(false, 1, 1024, ServerBytes.filled(3072, 0xaa)),
                ServerBytes.errorChunk(true, 3, 5, "flush failed"),
                ServerBytes.data(true, 4, 8192, ServerBytes.filled(1024, 0x55)),
                ServerBytes.simpleReply(0, 5, new byte[0]),
                ServerBytes.none(1)));
        m.put("rep-s-errors.bin", ServerBytes.concat(
                ServerBytes.errorOffsetChunk(false, 1, 5, "bad", 100),
                ServerBytes.data(false, 1, 2048, new byte[16]),
                ServerBytes.errorChunk(true, 1, 28, ""),
                ServerBytes.chunk(Nbd.REPLY_FLAG_DONE, 0x8000 | 9, 2,
                        ByteBuffer.allocate(10).putInt(22).putShort((short) 0).putInt(0).array()),
                ServerBytes.simpleReply(108, 3, new byte[0])));
        m.put("rep-p-all.bin", ServerBytes.concat(
                ServerBytes.simpleReply(0, 2, new byte[0]),
                ServerBytes.simpleReply(0, 1, ServerBytes.filled(4096, 7)),
                ServerBytes.simpleReply(5, 4, new byte[0]),
                ServerBytes.simpleReply(0, 3, new byte[0]),
                ServerBytes.simpleReply(0, 5, new byte[0])));
        return m;
    }

    /** The requests the reply corpus answers: cookies 1..5. */
    static FakeTable table() {
        FakeTable t = new FakeTable();
        t.read(1, 0, 4096);
        t.command(2, Nbd.CMD_WRITE, 4096, 512);
        t.command(3, Nbd.CMD_FLUSH, 0, 0);
        t.read(4, 8192, 1024);
        t.command(5, Nbd.CMD_TRIM, 0, 65536);
        return t;
    }

    static byte[] load(String name) throws IOException {
        try (InputStream in = Corpus.class.getResourceAsStream("/nbd-corpus/" + name)) {
            if (in == null) {
                throw new IOException("corpus file " + name + " is missing");
            }
            return in.readAllBytes();
        }
    }
}
