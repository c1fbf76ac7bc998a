package org.blocklayer.core.internal.coroutine;

/** Hands a failure caught on one side of a coroutine switch to the other side, as the type it was thrown as. */
final class Rethrow {
    private Rethrow() {
    }

    /**
     * Throws {@code failure} itself when it is a {@code checked}, a RuntimeException or an Error; otherwise returns
     * it wrapped, for the caller to throw ({@code throw Rethrow.as(t, X.class)}).
     */
    static <X extends Exception> IllegalStateException as(Throwable failure, Class<X> checked) throws X {
        if (checked.isInstance(failure)) {
            throw checked.cast(failure);
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(failure);
    }
}
