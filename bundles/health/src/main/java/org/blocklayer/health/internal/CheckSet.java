package org.blocklayer.health.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One registered health check per name of a kind (nodes, or drivers): {@link #reconcile} registers the checks of
 * new names and unregisters those of names gone. Called from one thread at a time.
 */
final class CheckSet {

    /** Registers a check service and returns what unregisters it. */
    @FunctionalInterface
    interface Registrar {
        Runnable register(String hcName, String subject);
    }

    private final Function<String, String> hcName;
    private final Registrar registrar;
    private final Map<String, Runnable> registered = new LinkedHashMap<>();

    /** @param hcName the {@code hc.name} of a subject's check ("blocklayer node a") */
    CheckSet(Function<String, String> hcName, Registrar registrar) {
        this.hcName = hcName;
        this.registrar = registrar;
    }

    void reconcile(Set<String> wanted) {
        registered.entrySet().removeIf(e -> {
            if (wanted.contains(e.getKey())) {
                return false;
            }
            e.getValue().run();
            return true;
        });
        for (String subject : wanted) {
            registered.computeIfAbsent(subject, s -> registrar.register(hcName.apply(s), s));
        }
    }

    /** The subjects that have a check now. */
    Set<String> subjects() {
        return Set.copyOf(registered.keySet());
    }

    void clear() {
        reconcile(Set.of());
    }
}
