package org.blocklayer.api.error;

import static org.assertj.core.api.Assertions.assertThat;

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
        assertThat(Errno.of(200)).isEqualTo(Errno.EIO);
    }
}
