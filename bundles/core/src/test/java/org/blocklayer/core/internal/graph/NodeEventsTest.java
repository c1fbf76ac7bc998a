package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.driver.file.internal.FileDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;

/** The node life-cycle events core posts on Event Admin: OPENED, CLOSED, DETACHED, REATTACHED. */
@Timeout(60)
class NodeEventsTest {
    private final CoreFixture core = new CoreFixture();
    private final FileDriver file = core.addFileAndRawDrivers("1.0.0");
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        core.close();
    }

    private void openDisk() throws Exception {
        Path img = CoreFixture.sparseFile(dir, "disk.img", 1 << 20);
        core.graph.open(null, BlockOptions.parse("driver=raw,node-name=disk,file.driver=file,file.filename=" + img
                + ",file.node-name=proto"), OpenFlags.RDWR);
    }

    private static Map<String, Object> properties(Event e) {
        return java.util.Arrays.stream(e.getPropertyNames()).filter(n -> !n.equals("event.topics"))
                .collect(Collectors.toMap(n -> n, e::getProperty));
    }

    @Test
    void anOpenAnnouncesEveryNodeItCreatedChildrenFirst() throws Exception {
        openDisk();

        assertThat(core.events.summary()).containsExactly("OPENED proto", "OPENED disk");
        assertThat(properties(core.events.posted.get(0))).containsExactlyInAnyOrderEntriesOf(Map.of("node", "proto",
                "driver", "file", "driver.version", "1.0.0", "aio-context", "main"));
        assertThat(properties(core.events.posted.get(1))).containsEntry("driver", "raw");
    }

    @Test
    void anOpenOverAnExistingNodeAnnouncesOnlyTheNewOne() throws Exception {
        openDisk();
        core.events.clear();

        core.graph.open(null, BlockOptions.parse("driver=raw,node-name=window,file=proto,size=512"), OpenFlags.RDWR);

        assertThat(core.events.summary()).containsExactly("OPENED window");
    }

    @Test
    void aFailedOpenPostsNothing() {
        assertThatThrownBy(() -> core.graph.open(null, BlockOptions.parse("driver=raw,node-name=bad,file.driver="
                + "file,file.filename=" + dir.resolve("missing.img")), OpenFlags.RDWR))
                .isInstanceOf(BlockException.class);

        assertThat(core.events.posted).isEmpty();
    }

    /**
     * A failed open created a node and took it out again: nothing was announced, so no node-change listener hears
     * of it; closing the handle a listener got removes it. Breaks if: NodeEvents.closed answered true for a node
     * never announced, or Graph.onNodeChange's, Graph.onDriverArrival's or DriverWhiteboard.onArrival's handle did
     * not remove the listener.
     */
    @Test
    void aFailedOpenTellsNoListenerAndAClosedHandleRemovesIt() throws Exception {
        core.driver("proto").length = 4096;
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        fmt.openError = TestDriver.eio();
        java.util.concurrent.atomic.AtomicInteger changes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger arrivals = new java.util.concurrent.atomic.AtomicInteger();
        AutoCloseable onChange = core.graph.onNodeChange(changes::incrementAndGet);
        AutoCloseable onArrival = core.graph.onDriverArrival(arrivals::incrementAndGet);

        assertThatThrownBy(() -> core.open("driver=fmt,node-name=f,file.driver=proto,file.node-name=p"))
                .isInstanceOf(BlockException.class);
        assertThat(core.graph.nodes()).isEmpty();
        assertThat(changes).as("nothing was announced, so nothing closed").hasValue(0);
        core.open("driver=proto,node-name=q");
        assertThat(changes).hasValue(1);
        core.driver("later");
        assertThat(arrivals).hasValue(1);

        onChange.close();
        onArrival.close();
        core.graph.close("q");
        core.driver("last");
        assertThat(changes).hasValue(1);
        assertThat(arrivals).hasValue(1);
    }

    @Test
    void closingATopNodeReportsTheChildrenItTookWithThenItself() throws Exception {
        openDisk();
        core.events.clear();

        core.graph.close("disk");

        assertThat(core.events.summary()).containsExactly("CLOSED proto", "CLOSED disk");
        assertThat(properties(core.events.posted.get(0))).containsEntry("driver", "file")
                .containsEntry("driver.version", "1.0.0");
    }

    @Test
    void aBusyCloseReportsNothing() throws Exception {
        openDisk();
        core.events.clear();

        assertThatThrownBy(() -> core.graph.close("proto")).isInstanceOf(BlockException.class);

        assertThat(core.events.posted).isEmpty();
    }

    @Test
    void aLeavingDriverDetachesItsNodesWithAReasonAndAReturningOneReattachesThem() throws Exception {
        core.graph.setDetachTimeout(Duration.ZERO);
        openDisk();
        core.events.clear();

        core.graph.removeDriver(file);
        assertThat(core.events.summary()).containsExactly("DETACHED proto");
        assertThat(properties(core.events.posted.get(0))).containsExactlyInAnyOrderEntriesOf(Map.of("node", "proto",
                "driver", "file", "driver.version", "1.0.0", "aio-context", "main", "reason", "driver file gone"));
        core.events.clear();

        core.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "2.0.0");
        assertThat(core.events.summary()).containsExactly("REATTACHED proto");
        assertThat(properties(core.events.posted.get(0))).containsEntry("driver.version", "2.0.0");
    }

    @Test
    void aDriverThatCannotReopenItsNodeIsNoReattach() throws Exception {
        core.graph.setDetachTimeout(Duration.ZERO);
        openDisk();
        core.graph.removeDriver(file);
        java.nio.file.Files.delete(dir.resolve("disk.img"));
        core.events.clear();

        core.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "2.0.0");

        assertThat(core.events.posted).isEmpty();
        assertThat(core.graph.info("proto").goneDriver()).isEqualTo("file");
    }

    @Test
    void aClosedNodeWithoutMediumStillNamesTheDriverItWaitedFor() throws Exception {
        core.graph.setDetachTimeout(Duration.ZERO);
        openDisk();
        core.graph.removeDriver(file);
        core.events.clear();

        core.graph.close("disk");

        assertThat(core.events.summary()).containsExactly("CLOSED proto", "CLOSED disk");
        assertThat(properties(core.events.posted.get(0))).containsEntry("driver", "file")
                .doesNotContainKey("driver.version");
    }

    @Test
    void withoutEventAdminNothingIsPostedAndTheGraphWorks() throws Exception {
        core.graph.unbindEventAdmin(new RecordingEventAdmin());
        core.graph.unbindEventAdmin(core.events);

        openDisk();
        core.graph.close("disk");

        assertThat(core.events.posted).isEmpty();
    }

    @Test
    void unbindingAnotherEventAdminKeepsTheBoundOne() throws Exception {
        core.graph.unbindEventAdmin(new RecordingEventAdmin());

        openDisk();

        assertThat(core.events.summary()).containsExactly("OPENED proto", "OPENED disk");
    }
}
