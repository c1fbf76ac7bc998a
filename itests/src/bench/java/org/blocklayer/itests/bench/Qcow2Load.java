package org.blocklayer.itests.bench;

import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.qcow2.internal.Qcow2Driver;
import org.blocklayer.driver.raw.internal.RawDriver;

/**
 * Usage: Qcow2Load FILE BS QD seq|rand read|write WARMUP SECONDS [AIO]; prints "iops N" and "l2cache BYTES". A qcow2
 * image over file ({@code file.aio=AIO} when given, else the default), no OSGi; QD coroutines in the main loop's
 * context ({@link ReadLoad}), reading or writing.
 */
public final class Qcow2Load {
    public static void main(String[] a) throws Exception {
        Scheduler s = new Scheduler();
        Graph g = new Graph(s, new GraphRwLock(s));
        g.addDriver(new FileDriver(), "file", "0");
        g.addDriver(new RawDriver(), "raw", "0");
        g.addDriver(new Qcow2Driver(s), "qcow2", "0");
        boolean write = a[4].equals("write");
        BlockOptions options = new BlockOptions().put("node-name", "load");
        if (a.length > 7) {
            options.put("file.aio", a[7]);
        }
        g.open(a[0], options, write ? OpenFlags.RDWR : 0);
        Set<Permission> taken = write ? EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE)
                : EnumSet.of(Permission.CONSISTENT_READ);
        BlockBackend blk = g.attach("load", "", taken, EnumSet.allOf(Permission.class));
        int bs = Integer.parseInt(a[1]);
        int qd = Integer.parseInt(a[2]);
        boolean seq = a[3].equals("seq");
        double iops = ReadLoad.run(s, blk, bs, qd, seq, write, Double.parseDouble(a[5]), Double.parseDouble(a[6]));
        System.out.printf("iops %.0f%n", iops);
        System.out.println("l2cache " + g.info("load").formatSpecific().get("l2-cache"));
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
