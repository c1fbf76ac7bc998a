package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * Block-layer requests as NBD commands ({@code nbd_client_co_preadv}, {@code _pwritev}, {@code _flush},
 * {@code _pdiscard}, {@code _pwrite_zeroes}): what the export's flags allow, the server's block size constraints
 * (requests larger than its maximum are split; offsets and lengths must be multiples of its minimum), reads of the
 * sector-rounded tail past the export's end (zeroes, as QEMU), and FUA emulated by a flush on servers without it.
 */
final class Transfers {
    /** QEMU's {@code BDRV_REQ_MAY_UNMAP}: write-zeroes may punch a hole. */
    static final int REQ_MAY_UNMAP = 0x4;
    /** QEMU's {@code BDRV_REQ_FUA}: the write is on stable storage when it completes. */
    static final int REQ_FUA = 0x10;
    /** QEMU's {@code BDRV_REQ_NO_FALLBACK}: write-zeroes must be fast or fail with ENOTSUP. */
    static final int REQ_NO_FALLBACK = 0x100;
    private static final byte[] ZEROES = new byte[4096];

    private final NbdClient client;
    private final ExportInfo info;

    Transfers(NbdClient client) {
        this.client = client;
        this.info = client.info();
    }

    /** Fills all remaining bytes of {@code buf}; bytes past the export's end read as zeroes. */
    @CoroutineFn
    void read(long offset, ByteBuffer buf) throws BlockException {
        int length = buf.remaining();
        int valid = (int) Math.clamp(info.size() - offset, 0, length);
        ByteBuffer target = buf.slice(buf.position(), length);
        checkAligned(offset, valid, "read");
        int max = info.maxRequest();
        for (int done = 0; done < valid; ) {
            int n = Math.min(max, valid - done);
            client.run(new NbdRequest(Nbd.CMD_READ, 0, offset + done, n, target.slice(done, n)));
            done += n;
        }
        for (int at = valid; at < length; at += ZEROES.length) {
            target.put(at, ZEROES, 0, Math.min(ZEROES.length, length - at));
        }
        buf.position(buf.limit());
    }

    /** Writes all remaining bytes of {@code buf}; with {@link #REQ_FUA} they are stable when this returns. */
    @CoroutineFn
    void write(long offset, ByteBuffer buf, int flags) throws BlockException {
        int length = buf.remaining();
        if (info.readOnly()) {
            throw new BlockException(Errno.EPERM, "NBD " + client.config().describe() + " is read-only");
        }
        checkAligned(offset, length, "write");
        boolean fua = (flags & REQ_FUA) != 0;
        int commandFlags = fua && info.canFua() ? Nbd.CMD_FLAG_FUA : 0;
        ByteBuffer source = buf.slice(buf.position(), length);
        int max = info.maxRequest();
        for (int done = 0; done < length; ) {
            int n = Math.min(max, length - done);
            client.run(new NbdRequest(Nbd.CMD_WRITE, commandFlags, offset + done, n, source.slice(done, n)));
            done += n;
        }
        buf.position(buf.limit());
        if (fua && !info.canFua() && length > 0) {
            flush();
        }
    }

    /** {@code NBD_CMD_FLUSH}; nothing to do on servers that do not take it. */
    @CoroutineFn
    void flush() throws BlockException {
        if (info.canFlush()) {
            client.run(new NbdRequest(Nbd.CMD_FLUSH, 0, 0, 0, null));
        }
    }

    /** {@code NBD_CMD_TRIM}: a hint, silently skipped when the server does not take it (as QEMU). */
    @CoroutineFn
    void trim(long offset, long bytes, int flags) throws BlockException {
        if (!info.canTrim() || bytes == 0) {
            return;
        }
        int commandFlags = (flags & REQ_FUA) != 0 && info.canFua() ? Nbd.CMD_FLAG_FUA : 0;
        ranges(Nbd.CMD_TRIM, commandFlags, offset, bytes);
    }

    /** {@code NBD_CMD_WRITE_ZEROES}; ENOTSUP when the server lacks it, so the caller can write zeroes itself. */
    @CoroutineFn
    void writeZeroes(long offset, long bytes, int flags) throws BlockException {
        if (info.readOnly()) {
            throw new BlockException(Errno.EPERM, "NBD " + client.config().describe() + " is read-only");
        }
        if (!info.canWriteZeroes()) {
            throw new BlockException(Errno.ENOTSUP, "NBD " + client.config().describe()
                    + " does not support write-zeroes");
        }
        int commandFlags = 0;
        if ((flags & REQ_FUA) != 0 && info.canFua()) {
            commandFlags |= Nbd.CMD_FLAG_FUA;
        }
        if ((flags & REQ_MAY_UNMAP) == 0) {
            commandFlags |= Nbd.CMD_FLAG_NO_HOLE;
        }
        if ((flags & REQ_NO_FALLBACK) != 0) {
            if (!info.canFastZero()) {
                throw new BlockException(Errno.ENOTSUP, "NBD " + client.config().describe()
                        + " cannot tell whether writing zeroes is fast");
            }
            commandFlags |= Nbd.CMD_FLAG_FAST_ZERO;
        }
        ranges(Nbd.CMD_WRITE_ZEROES, commandFlags, offset, bytes);
        if ((flags & REQ_FUA) != 0 && !info.canFua()) {
            flush();
        }
    }

    /** Commands without payload, split so each length fits the 32-bit field and stays a multiple of minBlock. */
    @CoroutineFn
    private void ranges(int type, int commandFlags, long offset, long bytes) throws BlockException {
        if (offset < 0 || bytes < 0) {
            throw new BlockException(Errno.EINVAL, "NBD " + Nbd.commandName(type) + " of " + bytes
                    + " bytes at offset " + offset + ": negative");
        }
        checkAligned(offset, bytes, Nbd.commandName(type));
        int max = Integer.MAX_VALUE - Integer.MAX_VALUE % info.minBlock();
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(max, bytes - done);
            client.run(new NbdRequest(type, commandFlags, offset + done, n, null));
            done += n;
        }
    }

    /** Offsets and lengths must be multiples of the server's minimum block size (proto.md: MUST). */
    private void checkAligned(long offset, long length, String what) throws BlockException {
        int min = info.minBlock();
        if (min > 1 && (offset % min != 0 || length % min != 0)) {
            throw new BlockException(Errno.EINVAL, "NBD " + what + " of " + length + " bytes at offset " + offset
                    + " is not aligned to the minimum block size " + min + " of " + client.config().describe());
        }
    }
}
