package org.blocklayer.shell.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;

/** Records the backends the shell attaches and closes; their I/O is not for these tests. */
final class FakeBackends implements BlockBackends {
    final List<BackendInfo> attached = new ArrayList<>();
    /** When set, the next attach fails with it. */
    BlockException failure;

    @Override
    public BlockBackend attach(String nodeName, String name, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        if (failure != null) {
            BlockException f = failure;
            failure = null;
            throw f;
        }
        BackendInfo info = new BackendInfo(name, "an unnamed block device", nodeName, taken, shared);
        attached.add(info);
        return new BlockBackend() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String nodeName() {
                return nodeName;
            }

            @Override
            public Set<Permission> permissions() {
                return taken;
            }

            @Override
            public Set<Permission> sharedPermissions() {
                return shared;
            }

            @Override
            public void setPermissions(Set<Permission> t, Set<Permission> s) {
            }

            @Override
            public void setAllowAioContextChange(boolean allow) {
            }

            @Override
            public boolean allowsAioContextChange() {
                return true;
            }

            @Override
            public void setDevOps(org.blocklayer.api.backend.BlockDevOps ops) {
            }

            @Override
            public void setDisableRequestQueuing(boolean disable) {
            }

            @Override
            public long getLength() throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public void pread(long offset, ByteBuffer buf) throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public void pwrite(long offset, ByteBuffer buf) throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public void pwrite(long offset, ByteBuffer buf, Set<org.blocklayer.api.driver.RequestFlag> flags)
                    throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public void flush() {
            }

            @Override
            public void pwriteZeroes(long offset, long bytes, Set<org.blocklayer.api.driver.RequestFlag> flags)
                    throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public void pdiscard(long offset, long bytes) throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public List<org.blocklayer.api.backend.MapEntry> map(long offset, long bytes) throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public long truncate(long length) throws BlockException {
                throw new BlockException(Errno.ENOTSUP, "fake");
            }

            @Override
            public void close() {
                attached.remove(info);
            }
        };
    }

    @Override
    public BlockBackend attachAs(String user, String nodeName, Set<Permission> taken, Set<Permission> shared)
            throws BlockException {
        return attach(nodeName, "", taken, shared);
    }

    @Override
    public BlockBackend backend(String name) throws BlockException {
        throw new BlockException(Errno.ENOENT, "Device '" + name + "' not found");
    }

    @Override
    public List<BackendInfo> backends() {
        return List.copyOf(attached);
    }

    @Override
    public List<NodeUser> users(String nodeName) {
        return attached.stream().filter(b -> b.node().equals(nodeName))
                .map(b -> new NodeUser(b.user(), "root", b.taken(), b.shared())).toList();
    }
}
