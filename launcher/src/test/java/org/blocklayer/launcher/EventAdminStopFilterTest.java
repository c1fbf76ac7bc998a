package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * Felix Event Admin stopped while it delivers an event: the framework stop the launcher does at every exit, with
 * the delivery forced to be in flight (a handler that holds on until the framework has stopped), where a normal
 * run only hits it by chance.
 */
class EventAdminStopFilterTest {

    private static final Duration GUARD = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void stoppingTheFrameworkDuringADeliveryPrintsNoEventAdminWarning() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        CountDownLatch delivering = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            FrameworkBoot boot = FrameworkBoot.init(Map.of(Constants.FRAMEWORK_STORAGE, tmp.resolve("cache").toString(),
                    Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
            try {
                // The handler keeps Event Admin's delivery thread busy, through the interrupt, until released.
                Runnable holdOn = () -> {
                    delivering.countDown();
                    awaitUninterruptibly(release);
                };
                boot.context().registerService(Runnable.class, holdOn,
                        new Hashtable<>(Map.of("blocklayer.test", "event-handler")));
                Path handler = TestBundles.jar(tmp.resolve("handler.jar"), Map.of(
                        "Bundle-SymbolicName", "test.blocking.handler",
                        "Bundle-Activator", BlockingEventHandler.class.getName(),
                        "Import-Package", "org.osgi.framework, org.osgi.service.event"), BlockingEventHandler.class);
                List<Bundle> bundles = boot.install(List.of(TestBundles.jarOf(Class.forName("org.apache.felix.eventadmin.impl.Activator")), handler));
                boot.start(bundles);
                assertThat(delivering.await(GUARD.toSeconds(), TimeUnit.SECONDS)).as("event delivered").isTrue();
            } finally {
                boot.close(); // stops Event Admin while its delivery thread waits for the handler
            }
            release.countDown();
            awaitEventAdminThreads(); // whatever Event Admin's threads print, they have printed by now
        } finally {
            release.countDown();
            System.setOut(stdout);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain("Event Task Processing Interrupted");
    }

    @Test
    void onlyThatLineIsDropped() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            EventAdminStopFilter.install();
            EventAdminStopFilter.install(); // once only: not a filter around a filter
            System.out.println(EventAdminStopFilter.INTERRUPTED_LINE);
            System.out.println("WARNING: EventAdmin: Denylisting timeout handler");
            System.out.println("blocklayer: something else");
        } finally {
            System.setOut(stdout);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .isEqualTo("WARNING: EventAdmin: Denylisting timeout handler\nblocklayer: something else\n");
    }

    /**
     * Waits for {@code latch} through interrupts, then restores the interrupt, as a well-behaved handler does: Event
     * Admin's delivery thread, interrupted by its pool's shutdown, finds the interrupt in its next wait.
     */
    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + GUARD.toNanos();
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Event Admin's pool threads ("EventAdminThread #n", "EventAdminAsyncThread #n") end once their work is done after the shutdown. */
    private static void awaitEventAdminThreads() throws InterruptedException {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("EventAdmin")) {
                thread.join(GUARD.toMillis());
                assertThat(thread.isAlive()).as(thread.getName() + " still running").isFalse();
            }
        }
    }
}
