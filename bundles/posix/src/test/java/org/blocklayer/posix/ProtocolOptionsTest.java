package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.Test;

class ProtocolOptionsTest {

    private static BlockOptions withFile() {
        return new BlockOptions().put("filename", "/x");
    }

    private static void einval(Throwable e) {
        assertThat(e).isInstanceOfSatisfying(BlockException.class, b -> assertThat(b.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void takesFilenameAioAndCacheDirectAndLeavesTheRest() throws Exception {
        BlockOptions options = withFile().put("aio", "threads").put("cache.direct", "on").put("locking", "off");

        assertThat(ProtocolOptions.take("file", options, OpenFlags.RDWR))
                .isEqualTo(new ProtocolOptions("/x", true, true, "threads"));
        assertThat(options.keys()).containsExactly("locking");
    }

    @Test
    void theNocacheFlagMeansDirectUnlessCacheDirectSaysOtherwise() throws Exception {
        assertThat(ProtocolOptions.take("file", withFile(), OpenFlags.NOCACHE).direct()).isTrue();
        assertThat(ProtocolOptions.take("file", withFile(), 0).direct()).isFalse();
        assertThat(ProtocolOptions.take("file", withFile().put("cache.direct", "off"), OpenFlags.NOCACHE).direct())
                .isFalse();
        assertThat(ProtocolOptions.take("file", withFile(), OpenFlags.NOCACHE).writable()).isFalse();
    }

    @Test
    void aMissingFilenameIsEinvalNamingTheDriver() {
        assertThatThrownBy(() -> ProtocolOptions.take("host_device", new BlockOptions(), 0))
                .satisfies(ProtocolOptionsTest::einval)
                .hasMessage("The 'host_device' block driver requires a file name");
    }

    @Test
    void aioNativeIsKnownButNotBuiltInQemusWords() {
        assertThatThrownBy(() -> ProtocolOptions.take("file", withFile().put("aio", "native"), 0))
                .satisfies(ProtocolOptionsTest::einval)
                .hasMessage("aio=native was specified, but is not supported in this build.");
    }

    @Test
    void aioIoUringAndThreadsPassAndNoAioLeavesTheChoiceToAioMode() throws Exception {
        assertThat(ProtocolOptions.take("file", withFile().put("aio", "io_uring"), 0).aio()).isEqualTo("io_uring");
        assertThat(ProtocolOptions.take("file", withFile().put("aio", "threads"), 0).aio()).isEqualTo("threads");
        assertThat(ProtocolOptions.take("file", withFile(), 0).aio()).isNull();
    }

    @Test
    void anyOtherAioIsEinvalNamingTheValue() {
        assertThatThrownBy(() -> ProtocolOptions.take("file", withFile().put("aio", "bogus"), 0))
                .satisfies(ProtocolOptionsTest::einval)
                .hasMessage("Invalid parameter value for 'aio': 'bogus' (expected threads, native or io_uring)");
    }

    @Test
    void discardIsBdrvParseDiscardFlagsIgnoreByDefault() throws Exception {
        for (String unmap : new String[] {"unmap", "on"}) {
            BlockOptions options = withFile().put("discard", unmap);
            assertThat(ProtocolOptions.takeUnmap(options, 0)).as(unmap).isTrue();
            assertThat(options.keys()).containsExactly("filename");
        }
        for (String ignore : new String[] {"ignore", "off"}) {
            assertThat(ProtocolOptions.takeUnmap(withFile().put("discard", ignore), ProtocolOptions.BDRV_O_UNMAP))
                    .as(ignore + " wins over the flag").isFalse();
        }
        assertThat(ProtocolOptions.takeUnmap(withFile(), 0)).isFalse();
        assertThat(ProtocolOptions.takeUnmap(withFile(), ProtocolOptions.BDRV_O_UNMAP)).isTrue();
    }

    @Test
    void anyOtherDiscardIsEinvalNamingTheValue() {
        assertThatThrownBy(() -> ProtocolOptions.takeUnmap(withFile().put("discard", "sometimes"), 0))
                .satisfies(ProtocolOptionsTest::einval)
                .hasMessage("Invalid discard option: 'sometimes' (expected ignore, off, unmap or on)");
    }
}
