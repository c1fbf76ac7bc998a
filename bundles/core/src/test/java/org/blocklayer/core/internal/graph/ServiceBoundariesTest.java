package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.Forwarding;
import org.blocklayer.core.internal.coroutine.EventLoops;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.DrainingGraphLock;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The graph reaches its event loops and its lock through their interfaces alone: any implementation serves. */
class ServiceBoundariesTest {
    private final Scheduler scheduler = new Scheduler();
    private final List<String> loopCalls = Collections.synchronizedList(new ArrayList<>());
    private final List<String> lockCalls = Collections.synchronizedList(new ArrayList<>());
    private final EventLoops loops = Forwarding.to(EventLoops.class, scheduler, loopCalls);
    private final DrainingGraphLock lock = Forwarding.to(DrainingGraphLock.class, new GraphRwLock(loops), lockCalls);
    private final Graph graph = new Graph(loops, lock, null);

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    void aGraphOverEventLoopsAndALockThatAreNotCoresOwnClassesOpensReadsAndCloses() throws Exception {
        TestDriver drv = TestDriver.withGetLength("test");
        drv.length = 4096;
        graph.addDriver(drv, "test.bundle", "1.0.0");

        graph.open(null, BlockOptions.parse("driver=test,node-name=a"), OpenFlags.RDWR);
        assertThat(graph.getLength("a")).isEqualTo(4096);
        graph.close("a");

        assertThat(graph.nodes()).isEmpty();
        assertThat(lockCalls).startsWith("setDrainHooks").contains("wrlock", "coRdlock");
        assertThat(loopCalls).contains("inMainLoop", "mainLoop");
    }
}
