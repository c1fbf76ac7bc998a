package org.blocklayer.api.coroutine;

import java.io.IOException;

/** A blocking system call to run on a worker thread, never on a context's thread. */
@FunctionalInterface
public interface BlockingCall<T> {
    T call() throws IOException;
}
