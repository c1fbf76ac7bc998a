package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.junit.jupiter.api.Test;

class NbdConfigTest {

    private static BlockOptions uri(String filename) throws BlockException {
        BlockOptions o = new BlockOptions();
        NbdUri.parse(filename, o);
        return o;
    }

    @Test
    void urisBecomeQemuStyleServerOptions() throws Exception {
        assertThat(uri("nbd://example.org/disk0").asMap()).isEqualTo(Map.of("server.type", "inet",
                "server.host", "example.org", "export", "disk0"));
        assertThat(uri("nbd+tcp://127.0.0.1:10810/").asMap()).isEqualTo(Map.of("server.type", "inet",
                "server.host", "127.0.0.1", "server.port", "10810"));
        assertThat(uri("nbd://[::1]:1234/a%20b").asMap()).isEqualTo(Map.of("server.type", "inet",
                "server.host", "::1", "server.port", "1234", "export", "a b"));
        assertThat(uri("nbd+unix:///exp?socket=/tmp/s.sock").asMap()).isEqualTo(Map.of("server.type", "unix",
                "server.path", "/tmp/s.sock", "export", "exp"));
        assertThat(uri("nbd+unix://?socket=/tmp/s%2Bx.sock").asMap()).isEqualTo(Map.of("server.type", "unix",
                "server.path", "/tmp/s+x.sock"));
        assertThat(uri("nbd:localhost:10809:exportname=e").asMap()).isEqualTo(Map.of("server.type", "inet",
                "server.host", "localhost", "server.port", "10809", "export", "e"));
        assertThat(uri("nbd:unix:/run/s.sock").asMap()).isEqualTo(Map.of("server.type", "unix",
                "server.path", "/run/s.sock"));
    }

    @Test
    void badUrisAreEinvalNamingTheUri_X4() {
        for (String bad : new String[] {"nbd+rdma://h/x", "nbd://", "nbd://h/x?socket=/s", "nbd+unix://h/x?socket=/s",
            "nbd+unix:///x", "nbd+unix:///x?socket=", "nbd+unix:///x?socket=/a&b=c", "nbd://h:port/x",
            "nbd://h/x#frag", "nbd://user@h/x", "nbd:", "nbd:unix:", "http://h/x", "nbd://h/%zz"}) {
            assertThatThrownBy(() -> uri(bad)).as(bad).isInstanceOfSatisfying(BlockException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                assertThat(e.getMessage()).contains(bad);
            });
        }
    }

    @Test
    void aFilenameAndAddressOptionsTogetherAreRefused() {
        BlockOptions o = new BlockOptions().put("server.host", "h");
        assertThatThrownBy(() -> NbdUri.parse("nbd://x/y", o)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void optionsGiveAddressExportTimeoutAndReconnectDelay() throws Exception {
        BlockOptions o = BlockOptions.parse("server.type=inet,server.host=h,export=e,timeout=0.5,reconnect-delay=3");
        NbdConfig c = NbdConfig.take(o);
        assertThat(o.isEmpty()).isTrue();
        assertThat(c.server()).isEqualTo(NbdAddress.inet("h", 10809));
        assertThat(c.export()).isEqualTo("e");
        assertThat(c.timeoutNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(c.reconnectDelayNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(3));
        assertThat(c.describe()).isEqualTo("export 'e' on server h:10809");

        NbdConfig d = NbdConfig.take(BlockOptions.parse("filename=nbd+unix:///?socket=/s"));
        assertThat(d.server()).isEqualTo(NbdAddress.unix("/s"));
        assertThat(d.export()).isEmpty();
        assertThat(d.timeoutNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(30));
        assertThat(d.reconnectDelayNanos()).isZero();

        NbdConfig legacy = NbdConfig.take(BlockOptions.parse("host=h,port=1"));
        assertThat(legacy.server()).isEqualTo(NbdAddress.inet("h", 1));
        assertThat(NbdConfig.take(BlockOptions.parse("path=/p")).server()).isEqualTo(NbdAddress.unix("/p"));
    }

    @Test
    void badOptionsAreEinvalAndTlsIsEnotsup() {
        for (String bad : new String[] {"", "server.type=vsock,server.host=h", "server.type=inet",
            "server.type=unix", "server.host=h,server.port=0", "server.host=h,server.port=x",
            "server.host=h,timeout=0", "server.host=h,timeout=-1", "server.host=h,reconnect-delay=soon",
            "host=h,server.host=h", "path=/p,port=3"}) {
            assertThatThrownBy(() -> NbdConfig.take(BlockOptions.parse(bad))).as(bad)
                    .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
        assertThatThrownBy(() -> NbdConfig.take(BlockOptions.parse("server.host=h,tls-creds=tls0")))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOTSUP);
                    assertThat(e.getMessage()).contains("TLS").contains("tls-creds");
                });
    }
}
