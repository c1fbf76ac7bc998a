package org.blocklayer.driver.hostdevice.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.EnumSet;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/**
 * The child JVM of {@code IoUringTest}'s seccomp case: installs a seccomp filter that answers io_uring_setup with
 * ENOSYS, as container runtimes hide io_uring, then opens a file node with the default and with {@code aio=io_uring}
 * and prints what each got. Test code only: a filter stays for the life of the process.
 */
public final class SeccompChild {
    private static final int SYS_SECCOMP_X86_64 = 317;
    private static final int SYS_SECCOMP_AARCH64 = 277;
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    private static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
    private static final int IO_URING_SETUP = 425;
    private static final int ENOSYS = 38;

    private SeccompChild() {
    }

    public static void main(String[] args) throws Throwable {
        denyIoUringSetup();
        Scheduler scheduler = new Scheduler();
        Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
        FileDriver file = new FileDriver();
        graph.addDriver(file, "file", "test");
        graph.addDriver(new RawDriver(), "raw", "test");
        graph.open(null, BlockOptions.parse("node-name=disk,driver=raw,file.node-name=proto,file.driver=file,"
                + "file.filename=" + args[0]), OpenFlags.RDWR);
        System.out.println("default: " + file.formatSpecific((DriverNode) graph.node("proto")).get("aio"));
        try {
            graph.open(null, BlockOptions.parse("driver=file,locking=off,aio=io_uring,filename=" + args[0]), 0);
            System.out.println("asked: opened");
        } catch (BlockException e) {
            System.out.println("asked: " + e.errno().name() + " " + e.getMessage());
        }
        try (BlockBackend blk = graph.attach("disk", "", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                EnumSet.allOf(Permission.class))) {
            blk.pwrite(0, ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
            ByteBuffer back = ByteBuffer.allocate(4);
            blk.pread(0, back);
            System.out.println("data: " + (back.get(3) == 4 ? "ok" : "wrong"));
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): io_uring_setup fails with ENOSYS, every other call is allowed. */
    private static void denyIoUringSetup() throws Throwable {
        boolean arm = System.getProperty("os.arch").equals("aarch64");
        Linker linker = Linker.nativeLinker();
        MethodHandle prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(1));
        try (Arena arena = Arena.ofConfined()) {
            int[][] program = {
                {0x20, 0, 0, 4}, // ld [arch]
                {0x15, 0, 3, arm ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64}, // another ABI: allow
                {0x20, 0, 0, 0}, // ld [nr]
                {0x15, 0, 1, IO_URING_SETUP},
                {0x06, 0, 0, 0x00050000 | ENOSYS}, // SECCOMP_RET_ERRNO
                {0x06, 0, 0, 0x7fff0000}, // SECCOMP_RET_ALLOW
            };
            MemorySegment filter = arena.allocate(8L * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                filter.set(JAVA_SHORT, i * 8L, (short) program[i][0]);
                filter.set(JAVA_BYTE, i * 8L + 2, (byte) program[i][1]);
                filter.set(JAVA_BYTE, i * 8L + 3, (byte) program[i][2]);
                filter.set(JAVA_INT, i * 8L + 4, program[i][3]);
            }
            MemorySegment fprog = arena.allocate(16, 8);
            fprog.set(JAVA_SHORT, 0, (short) program.length);
            fprog.set(ADDRESS, 8, filter);
            int noNewPrivs = (int) prctl.invokeExact(38, 1L, 0L, 0L, 0L);
            long installed = (long) syscall.invokeExact((long) (arm ? SYS_SECCOMP_AARCH64 : SYS_SECCOMP_X86_64), 1L,
                    1L, fprog);
            if (noNewPrivs != 0 || installed != 0) {
                throw new IllegalStateException("could not install the seccomp filter: prctl " + noNewPrivs
                        + ", seccomp " + installed);
            }
        }
    }
}
