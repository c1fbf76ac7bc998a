package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.coroutine.Wakeup;
import org.blocklayer.api.error.BlockException;

/**
 * One request on the wire and what its reply said ({@code NBDClientRequest} plus the reply state of
 * {@code nbd_co_receive_*}). Touched only in the node's AioContext thread: by the coroutine that issued it, by the
 * reply reader and by the timeout check, one at a time.
 */
final class NbdRequest {
    private final int type;
    private final int commandFlags;
    private final long offset;
    private final int length;
    /** READ: where the data goes (position 0, limit length); WRITE: the payload; otherwise null. */
    private final ByteBuffer data;
    private Coverage coverage;

    private long cookie;
    private boolean done;
    /** First error the server reported (NBD error value), 0 for none. */
    private int serverError;
    private String serverMessage;
    /** The connection failed under this request: it never got a valid reply. */
    private BlockException failure;
    private boolean retryable;
    /** Set while the issuing coroutine waits for the reply. */
    private Wakeup waiter;
    private long deadline;

    NbdRequest(int type, int commandFlags, long offset, int length, ByteBuffer data) {
        this.type = type;
        this.commandFlags = commandFlags;
        this.offset = offset;
        this.length = length;
        this.data = data;
        this.coverage = type == Nbd.CMD_READ ? new Coverage() : null;
    }

    int type() {
        return type;
    }

    int commandFlags() {
        return commandFlags;
    }

    long offset() {
        return offset;
    }

    int length() {
        return length;
    }

    ByteBuffer data() {
        return data;
    }

    Coverage coverage() {
        return coverage;
    }

    long cookie() {
        return cookie;
    }

    void setCookie(long cookie) {
        this.cookie = cookie;
    }

    boolean isDone() {
        return done;
    }

    long deadline() {
        return deadline;
    }

    void setDeadline(long deadline) {
        this.deadline = deadline;
    }

    /** Records a server error; the first one wins, as in QEMU. */
    void serverError(int error, String message) {
        if (serverError == 0) {
            serverError = error;
            serverMessage = message;
        }
    }

    int serverErrorValue() {
        return serverError;
    }

    String serverMessage() {
        return serverMessage;
    }

    BlockException failure() {
        return failure;
    }

    /** True when the request failed because the connection went away, so that a new connection may retry it. */
    boolean retryable() {
        return retryable;
    }

    /** The reply is complete; returns the coroutine to wake, if it is waiting. */
    Wakeup complete() {
        done = true;
        Wakeup w = waiter;
        waiter = null;
        return w;
    }

    /** The connection failed before a valid reply came; returns the coroutine to wake, if it is waiting. */
    Wakeup fail(BlockException why, boolean canRetry) {
        failure = why;
        retryable = canRetry;
        return complete();
    }

    void await(Wakeup self) {
        waiter = self;
    }

    /** Back to the state before sending, for a retry on a new connection. */
    void reset() {
        done = false;
        serverError = 0;
        serverMessage = null;
        failure = null;
        retryable = false;
        waiter = null;
        coverage = type == Nbd.CMD_READ ? new Coverage() : null;
    }

    String describe() {
        return Nbd.commandName(type) + " of " + length + " bytes at offset " + offset;
    }
}
