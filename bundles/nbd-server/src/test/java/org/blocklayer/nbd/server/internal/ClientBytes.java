package org.blocklayer.nbd.server.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What clients send, as bytes: the seeds of the server's fuzzing corpus (src/test/resources/nbd-server-corpus),
 * each a whole session against an export named "disk" of 1 MiB.
 */
final class ClientBytes {
    private static final int FLAGS = Wire.FIXED_NEWSTYLE | Wire.NO_ZEROES;

    private ClientBytes() {
    }

    /** What each corpus file must contain. */
    static Map<String, byte[]> corpus() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("go-structured.bin", concat(flags(FLAGS), option(Wire.Option.STRUCTURED_REPLY.code, new byte[0]),
                setMeta("disk", Wire.BASE_ALLOCATION), go("disk"),
                request(0, Wire.Command.READ.code, 1, 0, 4096, null),
                request(Wire.REQ_ONE, Wire.Command.BLOCK_STATUS.code, 2, 0, 1 << 20, null),
                request(Wire.FUA, Wire.Command.WRITE.code, 3, 8192, 512, new byte[512]),
                request(Wire.DF, Wire.Command.READ.code, 4, 0, 65536, null),
                request(0, Wire.Command.FLUSH.code, 5, 0, 0, null), request(0, Wire.Command.DISC.code, 6, 0, 0, null)));
        m.put("export-name-simple.bin", concat(flags(Wire.FIXED_NEWSTYLE),
                option(Wire.Option.EXPORT_NAME.code, "disk".getBytes(StandardCharsets.UTF_8)),
                request(0, Wire.Command.TRIM.code, 1, 0, 4096, null),
                request(Wire.NO_HOLE | Wire.FAST_ZERO, Wire.Command.WRITE_ZEROES.code, 2, 4096, 4096, null),
                request(0, Wire.Command.CACHE.code, 3, 0, 65536, null),
                request(0, Wire.Command.READ.code, 4, 512, 512, null), request(0, Wire.Command.DISC.code, 5, 0, 0, null)));
        m.put("list-info-abort.bin", concat(flags(FLAGS), option(Wire.Option.LIST.code, new byte[0]),
                option(Wire.Option.INFO.code, concat(string("disk"), new byte[] {0, 2, 0, 1, 0, 3})),
                option(Wire.Option.LIST_META_CONTEXT.code, concat(string("disk"), new byte[] {0, 0, 0, 1},
                        string("base:"))),
                option(Wire.Option.GO.code, concat(string("nope"), new byte[] {0, 0})),
                option(Wire.Option.ABORT.code, new byte[0])));
        m.put("bad-requests.bin", concat(flags(FLAGS), go("disk"),
                request(0, Wire.Command.READ.code, 1, (1 << 20) - 512, 1024, null),
                request(0, 42, 2, 0, 512, null), request(Wire.FAST_ZERO, Wire.Command.READ.code, 3, 0, 512, null),
                request(0, Wire.Command.READ.code, 4, 0, Wire.MAX_BUFFER + 1L, null),
                request(0, Wire.Command.BLOCK_STATUS.code, 5, 0, 512, null),
                request(0, Wire.Command.WRITE.code, 6, 0, 1024, new byte[512])));
        return m;
    }

    static byte[] load(String name) throws IOException {
        return java.nio.file.Files.readAllBytes(java.nio.file.Path.of("src/test/resources/nbd-server-corpus", name));
    }

    static byte[] flags(int flags) {
        return ByteBuffer.allocate(4).putInt(flags).array();
    }

    static byte[] option(int option, byte[] data) {
        return ByteBuffer.allocate(16 + data.length).putLong(Wire.OPTS_MAGIC).putInt(option).putInt(data.length)
                .put(data).array();
    }

    static byte[] string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
    }

    static byte[] go(String name) {
        return option(Wire.Option.GO.code, concat(string(name), new byte[] {0, 0}));
    }

    static byte[] setMeta(String export, String query) {
        return option(Wire.Option.SET_META_CONTEXT.code, concat(string(export), new byte[] {0, 0, 0, 1},
                string(query)));
    }

    static byte[] request(int flags, int type, long handle, long from, long length, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length)).putInt(Wire.REQUEST_MAGIC)
                .putShort((short) flags).putShort((short) type).putLong(handle).putLong(from).putInt((int) length);
        if (payload != null) {
            b.put(payload);
        }
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
