package org.blocklayer.core.internal.coroutine;

/**
 * Checks, without linking against it, that {@code jdk.internal.vm.Continuation} can be used from this class loader,
 * so that {@link ContinuationBackend} is only loaded where it will work.
 */
final class ContinuationProbe {
    private ContinuationProbe() {
    }

    /** Null when usable, else the reason. */
    static String whyUnavailable() {
        try {
            Class<?> continuation = Class.forName("jdk.internal.vm.Continuation", false,
                    ContinuationProbe.class.getClassLoader());
            Module ours = ContinuationProbe.class.getModule();
            if (!continuation.getModule().isExported("jdk.internal.vm", ours)) {
                return "package jdk.internal.vm is not exported to " + ours;
            }
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "class jdk.internal.vm.Continuation is not visible (" + e + ")";
        }
    }
}
