package org.blocklayer.api.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IoErrorsTest {
    @TempDir
    Path dir;

    private static BlockException mapped(IOException e) {
        return IoErrors.toBlockException("Could not open 'x'", e);
    }

    @Test
    void aSymlinkLoopIsEloopNotEio() throws Exception {
        Path a = dir.resolve("a");
        Files.createSymbolicLink(a, dir.resolve("b"));
        Files.createSymbolicLink(dir.resolve("b"), a);
        assertThatThrownBy(() -> FileChannel.open(a).close()).isInstanceOfSatisfying(IOException.class, e -> {
            BlockException b = mapped(e);
            assertThat(b.errno()).isEqualTo(Errno.ELOOP);
            assertThat(b.getMessage()).isEqualTo("Could not open 'x': Too many levels of symbolic links");
        });
        assertThat(IoErrors.errnoOf(new FileSystemLoopException("/a"))).isEqualTo(Errno.ELOOP);
    }

    @Test
    void aTooLongFileNameIsEnametoolong() {
        assertThatThrownBy(() -> FileChannel.open(dir.resolve("n".repeat(300))).close())
                .isInstanceOfSatisfying(IOException.class,
                        e -> assertThat(IoErrors.errnoOf(e)).isEqualTo(Errno.ENAMETOOLONG));
    }

    @Test
    void aTooLongUnixSocketPathIsEnametoolong() {
        String path = dir.resolve("s".repeat(120)).toString();
        assertThatThrownBy(() -> {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(path));
            }
        }).isInstanceOfSatisfying(SocketException.class,
                e -> assertThat(IoErrors.errnoOf(e)).isEqualTo(Errno.ENAMETOOLONG));
    }

    @Test
    void typesComeBeforeText() {
        assertThat(IoErrors.errnoOf(new DirectoryNotEmptyException("/d"))).isEqualTo(Errno.ENOTEMPTY);
        assertThat(IoErrors.errnoOf(new ConnectException("Connection timed out"))).isEqualTo(Errno.ETIMEDOUT);
        assertThat(IoErrors.errnoOf(new ConnectException("refused, in other words"))).isEqualTo(Errno.ECONNREFUSED);
        assertThat(IoErrors.errnoOf(new SocketException("Connection reset"))).isEqualTo(Errno.ECONNRESET);
        assertThat(IoErrors.errnoOf(new IOException("No such device or address"))).isEqualTo(Errno.ENXIO);
        assertThat(IoErrors.errnoOf(new IOException("No such device"))).isEqualTo(Errno.ENODEV);
    }

    @Test
    void anUnknownFailureIsEioWithTheJdksOwnWords() {
        BlockException b = mapped(new IOException("something odd"));
        assertThat(b.errno()).isEqualTo(Errno.EIO);
        assertThat(b.getMessage()).isEqualTo("Could not open 'x': something odd");
    }
}
