package org.blocklayer.core.internal.graph;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.PermissionHandler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;

/**
 * A test driver that takes its node's permissions as an image lock would ({@link PermissionHandler}), refusing
 * every check with EAGAIN while {@link #refuse} is set, and records what core asks of it, flushes and closes too.
 */
class LockingDriver extends TestDriver implements PermissionHandler {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile boolean refuse;

    LockingDriver(String name) {
        super(name);
        totalSectorsAtOpen = 8;
    }

    @Override
    public void checkPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        calls.add("check " + bs.nodeName());
        if (refuse) {
            throw new BlockException(Errno.EAGAIN, bs.nodeName(), formatName(), "Failed to get \"write\" lock");
        }
    }

    @Override
    public void setPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared) {
        calls.add("set " + bs.nodeName() + " " + Permission.mask(taken));
    }

    @Override
    public void abortPermissionUpdate(DriverNode bs) {
        calls.add("abort " + bs.nodeName());
    }

    @Override
    public void coFlush(DriverNode bs) {
        calls.add("flush " + bs.nodeName());
    }

    @Override
    public void close(DriverNode bs) {
        calls.add("close " + bs.nodeName());
        super.close(bs);
    }
}
