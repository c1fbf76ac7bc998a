package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class OpenRequestTest {

    @ParameterizedTest
    @ValueSource(strings = {"/tmp/a.img", "a.img", "file:/tmp/a.img", "nbd://localhost:10809/export",
            "nbd+unix:///export?socket=/tmp/nbd.sock", "/tmp/x=y.img", "/dev/sg0"})
    void filenamesAndUrisAreFilenames(String target) throws Exception {
        OpenRequest request = OpenRequest.of(target, null, false);

        assertThat(OpenRequest.isOptions(target)).isFalse();
        assertThat(request.filename()).isEqualTo(target);
        assertThat(request.options().isEmpty()).isTrue();
        assertThat(request.flags()).isEqualTo(OpenFlags.RDWR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"driver=raw,file.driver=file,file.filename=/tmp/a.img", "driver=file,filename=/x",
            "filename=a.img", "driver=nbd,host=localhost,export=e"})
    void anEqualsSignBeforeAnySlashMeansOptions(String target) throws Exception {
        OpenRequest request = OpenRequest.of(target, null, false);

        assertThat(OpenRequest.isOptions(target)).isTrue();
        assertThat(request.filename()).isNull();
        assertThat(request.options().toString()).isEqualTo(target);
    }

    @Test
    void readOnlyClearsRdwrAndNodeNameBecomesAnOption() throws Exception {
        OpenRequest request = OpenRequest.of("/tmp/a.img", "disk0", true);

        assertThat(request.flags()).isZero();
        assertThat(request.options().get("node-name")).isEqualTo("disk0");
    }
}
