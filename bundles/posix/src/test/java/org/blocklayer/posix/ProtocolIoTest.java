package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.testing.FakeNode;
import org.junit.jupiter.api.Test;

/** The request paths on a file that lives in memory: what reaches the worker pool, and every message. */
class ProtocolIoTest {

    private final ProtocolIo io = new ProtocolIo("file", "file");
    private final FakeNode bs = new FakeNode("n0");

    /** Ten bytes "0123456789"; writes take at most {@code writeLimit} bytes; {@code failure}, when set, is thrown. */
    private static final class MemoryFile implements ProtocolFile {
        final byte[] data = "0123456789".getBytes();
        final boolean writable;
        int writeLimit = Integer.MAX_VALUE;
        IOException failure;
        int flushes;

        MemoryFile(boolean writable) {
            this.writable = writable;
        }

        @Override public String filename() { return "/mem"; }
        @Override public boolean writable() { return writable; }

        @Override
        public long length() throws IOException {
            fail();
            return data.length;
        }

        @Override
        public void read(long offset, ByteBuffer buf) throws IOException {
            fail();
            while (buf.hasRemaining()) {
                buf.put(offset < data.length ? data[(int) offset] : 0);
                offset++;
            }
        }

        @Override
        public long write(long offset, ByteBuffer buf) throws IOException {
            fail();
            int n = Math.min(buf.remaining(), writeLimit);
            buf.get(data, (int) offset, n);
            return n;
        }

        @Override
        public void flush() throws IOException {
            fail();
            flushes++;
        }

        private void fail() throws IOException {
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static void errno(Throwable e, Errno expected) {
        assertThat(e).isInstanceOfSatisfying(BlockException.class, b -> assertThat(b.errno()).isEqualTo(expected));
    }

    @Test
    void readsWritesAndFlushesOnTheWorkerPoolAndAsksTheLengthWithoutIt() throws Exception {
        MemoryFile file = new MemoryFile(true);

        io.pwritev(bs, file, 2, ByteBuffer.wrap("ab".getBytes()));
        ByteBuffer back = ByteBuffer.allocate(12);
        io.preadv(bs, file, 0, back);
        io.flush(bs, file);

        assertThat(new String(back.array(), 0, 10)).isEqualTo("01ab456789");
        assertThat(back.array()[10]).as("past the end, zeros").isZero();
        assertThat(io.getLength(bs, file)).isEqualTo(10);
        assertThat(file.flushes).isEqualTo(1);
        assertThat(bs.poolCalls()).isEqualTo(3);
    }

    @Test
    void aNegativeOffsetIsEinvalBeforeAnyCall() {
        MemoryFile file = new MemoryFile(true);

        assertThatThrownBy(() -> io.preadv(bs, file, -1, ByteBuffer.allocate(1)))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("node 'n0', driver 'file': Could not read from '/mem': negative offset -1");
        assertThatThrownBy(() -> io.pwritev(bs, file, -512, ByteBuffer.allocate(1)))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("node 'n0', driver 'file': Could not write to '/mem': negative offset -512");
        assertThat(bs.poolCalls()).isZero();
    }

    @Test
    void aReadOnlyNodeRefusesWritesWithEbadfNamingWhatWasOpened() {
        MemoryFile file = new MemoryFile(false);
        ProtocolIo device = new ProtocolIo("host_device", "device");

        assertThatThrownBy(() -> io.pwritev(bs, file, 0, ByteBuffer.allocate(1)))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessage("node 'n0', driver 'file': Could not write to '/mem': Bad file descriptor (the file was"
                        + " opened read-only)");
        assertThatThrownBy(() -> device.requireWritable("Could not resize", bs, file))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessage("node 'n0', driver 'host_device': Could not resize '/mem': Bad file descriptor (the device"
                        + " was opened read-only)");
        assertThat(bs.poolCalls()).isZero();
    }

    @Test
    void aShortWriteIsEinvalAsHandleAiocbRwMakesIt() {
        MemoryFile file = new MemoryFile(true);
        file.writeLimit = 3;

        assertThatThrownBy(() -> io.pwritev(bs, file, 0, ByteBuffer.allocate(5)))
                .satisfies(e -> errno(e, Errno.EINVAL))
                .hasMessage("node 'n0', driver 'file': Could not write to '/mem': short write (3 of 5 bytes)");
    }

    @Test
    void failuresKeepTheirErrnoBehindTheRequestsWords() {
        MemoryFile file = new MemoryFile(true);
        file.failure = new PosixException(Errno.ENOSPC.value(), "pwrite '/mem': No space left on device");

        assertThatThrownBy(() -> io.pwritev(bs, file, 0, ByteBuffer.allocate(1)))
                .satisfies(e -> errno(e, Errno.ENOSPC))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not write to '/mem': ")
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.node()).isEqualTo("n0");
                    assertThat(e.driver()).isEqualTo("file");
                    assertThat(e.detail()).isEqualTo("Could not write to '/mem': No space left on device");
                });
        file.failure = new PosixException(Errno.EACCES.value(), "fdatasync '/mem': Permission denied");
        assertThatThrownBy(() -> io.flush(bs, file))
                .satisfies(e -> errno(e, Errno.EACCES))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not flush '/mem': ");
        assertThatThrownBy(() -> io.preadv(bs, file, 0, ByteBuffer.allocate(1)))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not read from '/mem': ");
        assertThatThrownBy(() -> io.getLength(bs, file))
                .hasMessageStartingWith("node 'n0', driver 'file': Could not get the length of '/mem': ");
    }

    @Test
    void aNodeWithoutStateIsEbadfNamingActionNodeAndDriverAndCloseLeavesItAlone() {
        ProtocolIo device = new ProtocolIo("host_device", "device");

        assertThatThrownBy(() -> device.state(bs, MemoryFile.class, "Could not flush"))
                .satisfies(e -> errno(e, Errno.EBADF))
                .hasMessage("node 'n0', driver 'host_device': Could not flush it: the node is not open");
        ProtocolIo.close(bs, MemoryFile.class, f -> {
            throw new AssertionError("nothing to close");
        });
    }

    @Test
    void closeHandsTheStateOver() throws Exception {
        MemoryFile file = new MemoryFile(true);
        bs.setOpaque(file);
        MemoryFile[] closed = new MemoryFile[1];

        ProtocolIo.close(bs, MemoryFile.class, f -> closed[0] = f);

        assertThat(closed[0]).isSameAs(file);
        assertThat(io.state(bs, MemoryFile.class, "Could not read from")).isSameAs(file);
    }
}
