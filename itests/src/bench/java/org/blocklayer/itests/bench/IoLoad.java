package org.blocklayer.itests.bench;

import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/**
 * Usage: IoLoad FILE BS QD seq|rand WARMUP SECONDS [AIO]; prints "iops N". Raw over file, no OSGi. AIO is the file
 * node's {@code aio} option ({@code file.aio=AIO}); when the file driver refuses it the load prints "refused MESSAGE"
 * and exits with status 3, so the suite can tell a backend this build lacks from a failure.
 */
public final class IoLoad {
    public static void main(String[] a) throws Exception {
        Scheduler s = new Scheduler();
        GraphRwLock lock = new GraphRwLock(s);
        Graph g = new Graph(s, lock);
        g.addDriver(new FileDriver(), "file", "0");
        g.addDriver(new RawDriver(), "raw", "0");
        BlockOptions options = new BlockOptions().put("node-name", "load").put("driver", "raw");
        if (a.length > 6) {
            options.put("file.aio", a[6]);
        }
        try {
            g.open(a[0], options, 0);
        } catch (BlockException e) {
            if (a.length > 6 && e.getMessage() != null && e.getMessage().contains("aio=")) {
                System.out.println("refused " + e.getMessage());
                System.out.flush();
                Runtime.getRuntime().halt(3);
            }
            throw e;
        }
        BlockBackend blk = g.attach("load", "", Set.of(Permission.CONSISTENT_READ), EnumSet.allOf(Permission.class));
        double iops = ReadLoad.run(s, blk, Integer.parseInt(a[1]), Integer.parseInt(a[2]), a[3].equals("seq"),
                Double.parseDouble(a[4]), Double.parseDouble(a[5]));
        System.out.printf("iops %.0f%n", iops);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
