package org.blocklayer.api.coroutine;

import org.osgi.annotation.versioning.ProviderType;

/** An armed one-shot timer of an AioContext ({@code QEMUTimer}). */
@ProviderType
public interface Timer {

    /** {@code timer_del}: the callback will not run; nothing happens if it already ran. */
    void cancel();
}
