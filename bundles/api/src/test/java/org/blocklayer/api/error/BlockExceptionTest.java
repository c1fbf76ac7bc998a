package org.blocklayer.api.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;

import org.junit.jupiter.api.Test;

class BlockExceptionTest {

    @Test
    void theMessageIsBuiltFromNodeDriverAndDetail() {
        BlockException e = new BlockException(Errno.ENOENT, "r", "raw", "Could not open '/x': No such file or directory");

        assertThat(e.getMessage()).isEqualTo("node 'r', driver 'raw': Could not open '/x': No such file or directory");
        assertThat(e.node()).isEqualTo("r");
        assertThat(e.driver()).isEqualTo("raw");
        assertThat(e.detail()).isEqualTo("Could not open '/x': No such file or directory");
        assertThat(e.describe()).isEqualTo(e.getMessage() + " (ENOENT)");
    }

    @Test
    void aNodeWithoutDriverAndAFailureOfNoNodeLeaveOutWhatIsNotThere() {
        assertThat(new BlockException(Errno.ENOMEDIUM, "r", null, "No medium found").getMessage())
                .isEqualTo("node 'r': No medium found");
        assertThat(new BlockException(Errno.EINVAL, null, "nbd", "bad option").getMessage())
                .isEqualTo("driver 'nbd': bad option");
        BlockException plain = new BlockException(Errno.EINVAL, "Parameter 'driver' is missing");
        assertThat(plain.getMessage()).isEqualTo("Parameter 'driver' is missing");
        assertThat(plain.node()).isNull();
        assertThat(plain.driver()).isNull();
    }

    @Test
    void withNodeNamesTheNodeKeepingErrnoAndDetail() {
        IOException io = new IOException("x");
        BlockException inner = new BlockException(Errno.EROFS, "Could not open '/x': Read-only file system", io);

        BlockException named = inner.withNode("n", "file");

        assertThat(named.getMessage()).isEqualTo("node 'n', driver 'file': Could not open '/x': Read-only file system");
        assertThat(named.errno()).isSameAs(Errno.EROFS);
        assertThat(named.detail()).isEqualTo(inner.detail());
        assertThat(named.getCause()).isSameAs(inner);
    }

    @Test
    void prependGoesBeforeTheDetailNotBeforeTheNode() {
        BlockException e = new BlockException(Errno.EIO, "n", "file", "short read").prepend("Could not read: ");

        assertThat(e.getMessage()).isEqualTo("node 'n', driver 'file': Could not read: short read");
        assertThat(e.node()).isEqualTo("n");
        assertThat(e.errno()).isSameAs(Errno.EIO);
    }

    @Test
    void anUnnamedErrnoKeepsItsNumberInTheDescription() {
        BlockException e = new BlockException(Errno.of(200), "n", "scsi-generic", "Unknown error 200");

        assertThat(e.errno().value()).isEqualTo(200);
        assertThat(e.describe()).isEqualTo("node 'n', driver 'scsi-generic': Unknown error 200 (errno 200)");
    }

    @Test
    void controlCharactersInNodeAndDriverNamesAreEscapedToo() {
        BlockException e = new BlockException(Errno.EIO, "a\u001bb", "d\u0000", "x\ny");

        assertThat(e.getMessage()).isEqualTo("node 'a\\x1bb', driver 'd\\x00': x\\x0ay");
        assertThat(e.node()).isEqualTo("a\\x1bb");
        assertThat(e.detail()).isEqualTo("x\\x0ay");
    }
}
