package org.blocklayer.itests.bench;

import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/** Usage: IoLoad FILE BS QD seq|rand WARMUP SECONDS; prints "iops N". Raw over file, no OSGi. */
public final class IoLoad {
    public static void main(String[] a) throws Exception {
        Scheduler s = new Scheduler();
        GraphRwLock lock = new GraphRwLock(s);
        Graph g = new Graph(s, lock);
        g.addDriver(new FileDriver(), "file", "0");
        g.addDriver(new RawDriver(), "raw", "0");
        BlockNode node = g.open(a[0], new BlockOptions().put("node-name", "load").put("driver", "raw"), 0);
        double iops = ReadLoad.run(s, lock, node, Integer.parseInt(a[1]), Integer.parseInt(a[2]), a[3].equals("seq"),
                Double.parseDouble(a[4]), Double.parseDouble(a[5]));
        System.out.printf("iops %.0f%n", iops);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
