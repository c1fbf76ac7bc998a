package org.blocklayer.api.error;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void everyLinuxErrnoKeepsItsOwnNameInsteadOfBecomingEio() {
        assertThat(Errno.of(40).name()).isEqualTo("ELOOP");
        assertThat(Errno.of(-36).name()).isEqualTo("ENAMETOOLONG");
        assertThat(Errno.of(75).name()).isEqualTo("EOVERFLOW");
        assertThat(Errno.of(39).name()).isEqualTo("ENOTEMPTY");
        assertThat(Errno.of(115).name()).isEqualTo("EINPROGRESS");
        assertThat(Errno.of(107).name()).isEqualTo("ENOTCONN");
        assertThat(Errno.of(133).name()).isEqualTo("EHWPOISON");
        for (int n = 1; n <= 133; n++) {
            if (n != 41 && n != 58) {
                assertThat(Errno.find(n)).as("errno %d", n).isPresent().get().extracting(Errno::value).isEqualTo(n);
                assertThat(Errno.of(n)).as("errno %d", n).isSameAs(Errno.find(n).orElseThrow());
            }
        }
    }

    @Test
    void theTextsAreGlibcs() {
        assertThat(Errno.ELOOP.description()).isEqualTo("Too many levels of symbolic links");
        assertThat(Errno.ENAMETOOLONG.description()).isEqualTo("File name too long");
        assertThat(Errno.EOVERFLOW.description()).isEqualTo("Value too large for defined data type");
    }

    @Test
    void onlyNumbersThatAreNoErrnoAtAllHaveNoName() {
        assertThat(Errno.find(0)).isEmpty();
        assertThat(Errno.find(41)).isEmpty();
        assertThat(Errno.find(58)).isEmpty();
        assertThat(Errno.find(134)).isEmpty();
        assertThat(Errno.find(Integer.MIN_VALUE)).isEmpty();
    }

    @Test
    void aNumberWithoutANameKeepsItsNumberAndReadsAsGlibcSaysIt() {
        Errno unnamed = Errno.of(-200);

        assertThat(unnamed.value()).isEqualTo(200);
        assertThat(unnamed.isNamed()).isFalse();
        assertThat(unnamed.description()).isEqualTo("Unknown error 200");
        assertThat(unnamed.name()).isEqualTo("errno 200");
        assertThat(unnamed).isEqualTo(Errno.of(200)).hasSameHashCodeAs(Errno.of(200)).isNotEqualTo(Errno.EIO);
        assertThat(Errno.of(58).description()).isEqualTo("Unknown error 58");
        assertThat(Errno.EIO.isNamed()).isTrue();
    }

    @Test
    void zeroIsNoErrno() {
        assertThatThrownBy(() -> Errno.of(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Errno.of(Integer.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDeserializedErrnoIsItsConstantOrItsNumberAgain() throws Exception {
        assertThat(roundTrip(Errno.ENOSPC)).isSameAs(Errno.ENOSPC);
        Errno unnamed = roundTrip(Errno.of(300));
        assertThat(unnamed.value()).isEqualTo(300);
        assertThat(unnamed.description()).isEqualTo("Unknown error 300");
    }

    private static Errno roundTrip(Errno errno) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(errno);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Errno) in.readObject();
        }
    }
}
