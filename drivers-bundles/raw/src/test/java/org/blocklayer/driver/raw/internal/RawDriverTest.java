package org.blocklayer.driver.raw.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Map;

import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.testing.FakeNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RawDriverTest {

    private final RawDriver driver = new RawDriver();
    private final FakeNode bs = new FakeNode("r");
    private final FakeNode file = new FakeNode("f");

    RawDriverTest() {
        bs.setChild(file);
        file.setLength(66048);
    }

    private void open(String options) throws BlockException {
        driver.open(bs, BlockOptions.parse(options), 0);
    }

    @Test
    @DisplayName("B15: is avariable length format with alength")
    void isAVariableLengthFormatWithALength_B15() {
        assertThat(driver.formatName()).isEqualTo("raw");
        assertThat(driver.protocolName()).isNull();
        assertThat(driver.hasVariableLength()).isTrue();
        assertThat(driver).isInstanceOf(GetLength.class);
        assertThat(driver.isFilter()).isFalse();
    }

    @Test
    void withoutOffsetOrSizeTheChildIsFiltered() throws BlockException {
        open("file.driver=file,file.filename=/x,offset=0");

        assertThat(bs.openedRoles()).containsExactlyInAnyOrder(ChildRole.FILTERED, ChildRole.PRIMARY);
        assertThat(bs.childOptions().asMap()).isEqualTo(Map.of("driver", "file", "filename", "/x"));
    }

    @Test
    void withOffsetOrSizeTheChildHoldsData() throws BlockException {
        open("offset=512");
        assertThat(bs.openedRoles()).containsExactlyInAnyOrder(ChildRole.DATA, ChildRole.PRIMARY);

        open("size=512");
        assertThat(bs.openedRoles()).containsExactlyInAnyOrder(ChildRole.DATA, ChildRole.PRIMARY);
    }

    @Test
    void openTakesOffsetAndSizeAndLeavesTheRest() throws BlockException {
        BlockOptions options = BlockOptions.parse("offset=1K,size=2K,cache.direct=on");

        driver.open(bs, options, 0);

        assertThat(options.keys()).containsExactly("cache.direct");
        assertThat(driver.coGetLength(bs)).isEqualTo(2048);
    }

    @Test
    @DisplayName("B15: length follows the child minus offset")
    void lengthFollowsTheChildMinusOffset_B15() throws BlockException {
        open("offset=512");
        file.setLength(4096);

        assertThat(driver.coGetLength(bs)).isEqualTo(3584);

        file.setLength(100);
        assertThat(driver.coGetLength(bs)).isZero();
    }

    @Test
    @DisplayName("B15: sg is copied from the child")
    void sgIsCopiedFromTheChild_B15() throws BlockException {
        file.setSg(true);

        open("");

        assertThat(bs.isSg()).isTrue();
    }

    @Test
    void offsetOrSizeOnAnSgChildIsEinval() {
        file.setSg(true);

        assertThatThrownBy(() -> open("size=512"))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessage("Cannot use offset/size with SCSI generic devices");
    }

    @Test
    void badOptionsFailWithQemusMessages() {
        assertThatThrownBy(() -> open("offset=1000000"))
                .hasMessage("Offset (1000000) cannot be greater than size of the containing file (66048)");
        assertThatThrownBy(() -> open("offset=1000,size=100000"))
                .hasMessageStartingWith("The sum of offset (1000) and size (100000)");
        assertThatThrownBy(() -> open("size=1000")).hasMessage("Specified size is not multiple of 512");
        assertThatThrownBy(() -> open("size=lots"))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(bs.opaque(RawState.class)).isNull();
    }

    @Test
    void childLengthFailureAtOpenKeepsItsErrno() {
        file.failLength(new BlockException(Errno.EIO, "Could not get the length of node 'f': Input/output error"));

        assertThatThrownBy(() -> open(""))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO))
                .hasMessage("Could not get image size: Could not get the length of node 'f': Input/output error");
    }

    @Test
    void ioIsShiftedByTheOffsetAndForwardedToTheChild() throws BlockException {
        open("offset=1024,size=2048");

        driver.coPreadv(bs, 0, ByteBuffer.allocate(512), 0);
        driver.coPwritev(bs, 1536, ByteBuffer.allocate(512), 0);
        driver.coFlush(bs);

        assertThat(file.io()).containsExactly("read 1024+512", "write 2560+512", "flush");
    }

    @Test
    void ioBeyondTheEndNeverReachesTheChild() throws BlockException {
        open("offset=1024,size=2048");

        assertThatThrownBy(() -> driver.coPreadv(bs, 2048, ByteBuffer.allocate(1), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessageStartingWith("node 'r', driver 'raw': ");
        assertThatThrownBy(() -> driver.coPwritev(bs, 1536, ByteBuffer.allocate(1024), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
        assertThat(file.io()).isEmpty();
    }

    @Test
    @DisplayName("B6: last sector of an unaligned file reads through raw")
    void lastSectorOfAnUnalignedFileReadsThroughRaw_B6() throws BlockException {
        open("");

        driver.coPreadv(bs, 65536, ByteBuffer.allocate(512), 0);

        assertThat(file.io()).containsExactly("read 65536+512");
    }
}
