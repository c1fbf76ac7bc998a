package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.blocklayer.api.driver.FormatProbe;
import org.blocklayer.api.graph.DriverInfo;
import org.junit.jupiter.api.Test;

/**
 * The registry behind {@code bdrv_find_format}, {@code bdrv_find_protocol} and device probing: replacement by name,
 * the "proto:" prefix rules, the most certain device prober, and the messages for unknown names. Breaks if: any of
 * DriverRegistry's tests named in each case below changed (PIT found them surviving).
 */
class DriverRegistryTest {
    private final DriverRegistry registry = new DriverRegistry();

    /** A protocol driver that claims plain filenames with a fixed score. */
    private static TestDriver protocol(String name, int deviceScore) {
        TestDriver d = new TestDriver(name) {
            @Override
            public int probeDevice(String filename) {
                return deviceScore;
            }
        };
        d.protocol = true;
        return d;
    }

    /** A format driver that probes, and would claim any device too if it were asked (it must not be). */
    private static final class ProbingFormat extends TestDriver implements FormatProbe {
        ProbingFormat(String name) {
            super(name);
        }

        @Override
        public int probe(ByteBuffer head, String filename) {
            return 1;
        }

        @Override
        public int probeDevice(String filename) {
            return 1000;
        }
    }

    /** Breaks if: remove took out a driver that replaced the one removed, or said it removed one it did not. */
    @Test
    void removalTakesOutOnlyTheDriverStillRegistered() {
        TestDriver first = new TestDriver("x");
        TestDriver second = new TestDriver("x");
        registry.add(first, "b", "1.0.0");
        registry.add(second, "b", "1.0.1");
        assertThat(registry.remove(first)).isFalse();
        assertThat(registry.find("x")).isSameAs(second);
        assertThat(registry.remove(second)).isTrue();
        assertThat(registry.find("x")).isNull();
        assertThat(registry.remove(second)).isFalse();
    }

    /** Breaks if: require's message lost the list of deployed drivers or its empty case, or infos the kind. */
    @Test
    void anUnknownNameListsWhatIsDeployedAndInfosSayTheKind() throws Exception {
        assertThatThrownBy(() -> registry.require("qcow2")).hasMessage("Unknown driver 'qcow2' (no driver is"
                + " deployed)");
        registry.add(protocol("file", 0), "b", "1.0.0");
        registry.add(new TestDriver("raw"), "b", "1.0.0");
        assertThatThrownBy(() -> registry.require("qcow2")).hasMessage("Unknown driver 'qcow2' (deployed: file,"
                + " raw)");
        assertThat(registry.require("raw").formatName()).isEqualTo("raw");
        assertThat(registry.infos()).extracting(DriverInfo::name, DriverInfo::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("file", "protocol"),
                        org.assertj.core.groups.Tuple.tuple("raw", "format"));
    }

    /**
     * A plain filename goes to the protocol driver most sure of it, never to a format, and to the default protocol
     * when none is sure at all. Breaks if: probeDevice asked format drivers, kept a lower score, or took a score
     * of 0.
     */
    @Test
    void aPlainFilenameGoesToTheSurestDeviceProberElseTheDefault() throws Exception {
        TestDriver file = protocol("file", 0);
        TestDriver sure = protocol("host_device", 100);
        TestDriver unsure = protocol("host_cdrom", 50);
        registry.add(file, "b", "1.0.0");
        registry.add(new ProbingFormat("qcow2"), "b", "1.0.0");
        assertThat(registry.probeDevice("/dev/sda")).isNull();
        assertThat(registry.protocolFor("/dev/sda", "file")).isSameAs(file);
        registry.add(unsure, "b", "1.0.0");
        registry.add(sure, "b", "1.0.0");
        assertThat(registry.probeDevice("/dev/sda")).isSameAs(sure);
        assertThat(registry.protocolFor("/dev/sda", "file")).isSameAs(sure);
    }

    /**
     * "proto:" picks its driver ("nbd+unix:" the nbd one); an unknown prefix is refused; a colon after a slash, or
     * at the very start, is part of a path. Breaks if: protocolFor's prefix test moved ({@code colon > 0},
     * {@code slash < 0}), or findProtocol's.
     */
    @Test
    void aProtocolPrefixPicksItsDriverAndAColonInAPathDoesNot() throws Exception {
        TestDriver file = protocol("file", 0);
        TestDriver nbd = protocol("nbd", 0);
        registry.add(file, "b", "1.0.0");
        registry.add(nbd, "b", "1.0.0");
        assertThat(registry.protocolFor("nbd://host/export", "file")).isSameAs(nbd);
        assertThat(registry.protocolFor("nbd+unix:///export?socket=/s", "file")).isSameAs(nbd);
        assertThatThrownBy(() -> registry.protocolFor("gluster://h/v", "file"))
                .hasMessage("Unknown protocol 'gluster'");
        assertThat(registry.protocolFor("/images/a:b.img", "file")).isSameAs(file);
        assertThat(registry.protocolFor("images/a:b.img", "file")).isSameAs(file);
        assertThat(registry.protocolFor(":b.img", "file")).isSameAs(file);
    }

    /** Breaks if: probingFormats listed protocols or formats that cannot probe, or nothing. */
    @Test
    void theProbingFormatsAreTheFormatDriversThatCanProbeSorted() {
        registry.add(protocol("file", 0), "b", "1.0.0");
        registry.add(new TestDriver("raw"), "b", "1.0.0");
        registry.add(new ProbingFormat("vmdk"), "b", "1.0.0");
        registry.add(new ProbingFormat("qcow2"), "b", "1.0.0");
        assertThat(registry.probingFormats()).containsExactly("qcow2", "vmdk");
    }
}
