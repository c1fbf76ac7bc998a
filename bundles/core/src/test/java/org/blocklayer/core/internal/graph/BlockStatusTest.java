package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.MapEntry;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.BlockStatus.Status;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.SupportsBacking;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * bdrv_co_block_status and qemu-img map's walk (B51's core half; raw over file against qemu-img map is in the raw
 * driver's tests): the range checks, what a driver without the capability reports, how a driver's answer is
 * completed (allocated, zero where nothing lies below), a RAW answer followed to the child it names, and the
 * backing chain walked where a node holds nothing. Scripted drivers, no files.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BlockStatusTest {
    private static final long SECTORS = 16;
    private static final long LENGTH = SECTORS * 512;

    private final CoreFixture core = new CoreFixture();
    private final TestDriver proto = core.driverWithoutGetLength("proto");
    private final StatusDriver fmt = new StatusDriver();

    BlockStatusTest() {
        proto.protocol = true;
        proto.totalSectorsAtOpen = SECTORS;
        core.graph.addDriver(fmt, "test.bundle", "1.0.0");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    /** The script of a {@link StatusDriver}: its answer for each ask. */
    @FunctionalInterface
    interface Answer {
        Status ask(DriverNode bs, boolean wantZero, long offset, long bytes);
    }

    /** A format with the BlockStatus capability and backing files, answering as its script says. */
    static final class StatusDriver extends TestDriver implements BlockStatus, SupportsBacking {
        volatile Answer answer = (bs, wantZero, offset, bytes) -> new Status(Status.DATA, bytes, 0, null);

        StatusDriver() {
            super("fmt");
            totalSectorsAtOpen = SECTORS;
        }

        @Override
        public Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) {
            return answer.ask(bs, wantZero, offset, bytes);
        }
    }

    private Status status(BlockDriverState bs, boolean wantZero, long offset, long bytes) throws BlockException {
        return core.inReader(() -> NodeBlockStatus.coBlockStatus(bs, wantZero, offset, bytes));
    }

    private static String flags(Status st) {
        StringBuilder b = new StringBuilder();
        String[] names = {"DATA", "ZERO", "OFFSET_VALID", "RAW", "ALLOCATED", "EOF"};
        for (int i = 0; i < names.length; i++) {
            if ((st.flags() & (1 << i)) != 0) {
                b.append(b.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        return b.toString();
    }

    /**
     * Breaks if: coBlockStatus's range checks move by one (an offset of 0 or a length of 0 refused, the last byte
     * answered as EOF or the end not), or it clips a range past the end wrongly ({@code total - offset}).
     */
    @Test
    void theRangeIsCheckedAndClippedAtTheEnd() throws Exception {
        BlockDriverState p = core.open("driver=proto,node-name=p");
        Status atEnd = status(p, true, LENGTH, 512);
        assertThat(flags(atEnd)).isEqualTo("EOF");
        assertThat(atEnd.bytes()).isZero();
        Status lastByte = status(p, true, LENGTH - 1, 512);
        assertThat(lastByte.bytes()).isEqualTo(1);
        Status empty = status(p, true, 0, 0);
        assertThat(empty.flags()).isZero();
        assertThat(empty.bytes()).isZero();
        assertThatThrownBy(() -> status(p, true, -1, 512)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> status(p, true, 0, -1)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /**
     * Without the capability everything is data: a protocol's at the same offset of itself, a format's with no
     * place known. Breaks if: the protocol test or the OFFSET_VALID flag were lost, or the answer ran past the end.
     */
    @Test
    void withoutTheCapabilityEverythingIsDataAtItsOwnOffsetForAProtocol() throws Exception {
        BlockDriverState p = core.open("driver=proto,node-name=p");
        Status st = status(p, true, 1024, 2 * LENGTH);
        assertThat(flags(st)).isEqualTo("DATA|OFFSET_VALID|ALLOCATED");
        assertThat(st.bytes()).isEqualTo(LENGTH - 1024);
        assertThat(st.map()).isEqualTo(1024);
        assertThat(st.file()).isSameAs(p);

        TestDriver plain = core.driverWithoutGetLength("plain");
        plain.totalSectorsAtOpen = SECTORS;
        BlockDriverState f = core.open("driver=plain,node-name=f");
        Status fst = status(f, true, 0, 512);
        assertThat(flags(fst)).isEqualTo("DATA|ALLOCATED");
        assertThat(fst.file()).isNull();
    }

    /**
     * A driver's data or zeroes are allocated here; where it has neither, a node without backing reads zeroes, and
     * so does one whose backing file ends before the range when the caller wants zeroes reported; otherwise the
     * range is left to the backing file. Breaks if: the ALLOCATED/ZERO completion tests (flag masks, the backing
     * length comparison, wantZero) were changed.
     */
    @Test
    void aDriversAnswerIsCompletedWithWhatLiesBelow() throws Exception {
        BlockDriverState alone = core.open("driver=fmt,node-name=alone");
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.DATA, bytes, 0, null);
        assertThat(flags(status(alone, true, 0, 512))).isEqualTo("DATA|ALLOCATED");
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.ZERO, bytes, 0, null);
        assertThat(flags(status(alone, true, 0, 512))).isEqualTo("ZERO|ALLOCATED");
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(0, bytes, 0, null);
        assertThat(flags(status(alone, true, 0, 512))).as("no backing: zeroes").isEqualTo("ZERO");

        TestDriver small = core.driverWithoutGetLength("small");
        small.totalSectorsAtOpen = 4;
        core.open("driver=small,node-name=base");
        fmt.openChildCow = true;
        BlockDriverState top = core.open("driver=fmt,node-name=top,backing=base");
        assertThat(flags(status(top, true, 0, 512))).as("over the backing file").isEmpty();
        assertThat(flags(status(top, true, 4 * 512 - 1, 1))).as("last byte of the backing file").isEmpty();
        assertThat(flags(status(top, true, 4 * 512, 512))).as("past the backing file's end").isEqualTo("ZERO");
        assertThat(flags(status(top, false, 4 * 512, 512))).as("zeroes not wanted").isEmpty();
    }

    /**
     * An answer for no bytes or for more than was asked is the driver's bug: EIO. Breaks if: the check's bounds
     * move by one in either direction.
     */
    @Test
    void anAnswerForNoBytesOrMoreThanAskedIsEio() throws Exception {
        BlockDriverState n = core.open("driver=fmt,node-name=n");
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.DATA, bytes, 0, null);
        assertThat(status(n, true, 0, 512).bytes()).isEqualTo(512);
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.DATA, 1, 0, null);
        assertThat(status(n, true, 0, 512).bytes()).isEqualTo(1);
        for (long wrong : new long[] {0, 513}) {
            fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.DATA, wrong, 0, null);
            assertThatThrownBy(() -> status(n, true, 0, 512)).isInstanceOfSatisfying(BlockException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        }
    }

    /**
     * RAW sends core on to the child the answer names, at the mapped offset; naming no node or a node that is not
     * a child is EIO. Breaks if: the RAW test, the child search or its result were changed.
     */
    @Test
    void aRawAnswerIsAskedOfTheChildItNames() throws Exception {
        BlockDriverState other = core.open("driver=proto,node-name=other");
        fmt.openChildFile = true;
        BlockDriverState f = core.open("driver=fmt,node-name=f,file.driver=proto,file.node-name=p");
        BlockDriverState p = f.file().node();
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.RAW, 512, offset + 1024, p);
        Status st = status(f, true, 512, 1024);
        assertThat(flags(st)).isEqualTo("DATA|OFFSET_VALID|ALLOCATED");
        assertThat(st.map()).isEqualTo(1536);
        assertThat(st.bytes()).isEqualTo(512);
        assertThat(st.file()).isSameAs(p);

        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.RAW, 512, offset, null);
        assertThatThrownBy(() -> status(f, true, 0, 512)).hasMessageContaining("RAW block status without a file");
        fmt.answer = (bs, wantZero, offset, bytes) -> new Status(Status.RAW, 512, offset, other);
        assertThatThrownBy(() -> status(f, true, 0, 512)).hasMessageContaining("'other', which is not its child");
    }

    /**
     * map of a part of the node: the last extent ends where the range ends although the driver would answer further;
     * an extent with a valid offset names the file it lies in, one without names none. Breaks if: map's ask were
     * {@code end + at} instead of {@code end - at} (an extent would run past the range), or its file test looked at
     * the offset's validity or at the file the wrong way.
     */
    @Test
    @DisplayName("B51: map of a range ends where the range does and names the file of mapped extents only")
    void mapOfARangeEndsWhereTheRangeDoesAndNamesTheFileOfMappedExtentsOnly() throws Exception {
        fmt.openChildFile = true;
        BlockDriverState f = core.open("driver=fmt,node-name=f,file.driver=proto,file.node-name=p,"
                + "file.filename=/images/p.img");
        BlockDriverState p = f.file().node();
        fmt.answer = (bs, wantZero, offset, bytes) -> offset < 512
                ? new Status(Status.DATA | Status.OFFSET_VALID, 512 - offset, offset + 4096, p)
                : new Status(Status.DATA, bytes, 0, p);
        BlockBackend blk = core.graph.attach("f", "", EnumSet.of(Permission.CONSISTENT_READ), Permission.ALL);

        List<MapEntry> map = blk.map(0, 4096);

        assertThat(map).extracting(MapEntry::start, MapEntry::length, MapEntry::offset, MapEntry::file)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 512L, 4096L, p.filename()),
                        org.assertj.core.groups.Tuple.tuple(512L, 3584L, -1L, null));
        assertThat(p.filename()).isNotNull();
    }

    /**
     * qemu-img map through a BlockBackend: where the top holds nothing, the backing file's answer, one level down;
     * extents of the same kind merged, each ask capped. Breaks if: coBlockStatusInChain stopped before the backing
     * file, counted its depth wrongly, or map's walk lost its offsets.
     */
    @Test
    @DisplayName("B51: map walks the backing chain where the top holds nothing and merges like extents")
    void mapWalksTheBackingChainWhereTheTopHoldsNothing_B51() throws Exception {
        core.open("driver=proto,node-name=base");
        fmt.openChildCow = true;
        core.open("driver=fmt,node-name=top,backing=base");
        // The top holds data in its first 2 KiB, in two answers, and nothing after.
        fmt.answer = (bs, wantZero, offset, bytes) -> offset < 2048
                ? new Status(Status.DATA, Math.min(1024, bytes), 0, null)
                : new Status(0, bytes, 0, null);
        BlockBackend blk = core.graph.attach("top", "", EnumSet.of(Permission.CONSISTENT_READ), Permission.ALL);
        List<MapEntry> map = blk.map(0, LENGTH);
        assertThat(map).hasSize(2);
        assertThat(map.get(0)).extracting(MapEntry::start, MapEntry::length, MapEntry::depth, MapEntry::data,
                MapEntry::offset).containsExactly(0L, 2048L, 0, true, -1L);
        assertThat(map.get(1)).extracting(MapEntry::start, MapEntry::length, MapEntry::depth, MapEntry::data,
                MapEntry::offset).containsExactly(2048L, LENGTH - 2048, 1, true, 2048L);
        assertThat(blk.map(LENGTH, 512)).isEmpty();
    }
}
