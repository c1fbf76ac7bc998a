package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;

/**
 * The ready wait against a real Felix, without File Install: the tests install and uninstall the deploy/ bundles
 * the way File Install does (location = the jar's file URI). Order is forced through the wait's own calls into
 * Gogo ({@code gogoKnowsScope}), which it makes once per pass.
 */
class ReadyWaitTest {

    // Hang guards: a working wait returns within a poll or two.
    private static final Duration GUARD = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private FrameworkBoot boot;
    private final ByteArrayOutputStream noticeBytes = new ByteArrayOutputStream();
    private final PrintStream notices = new PrintStream(noticeBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void startFramework() throws Exception {
        boot = FrameworkBoot.init(Map.of(Constants.FRAMEWORK_STORAGE, tmp.resolve("cache").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        boot.start(List.of());
        // The 'block' commands are there: only the deploy/ jars are waited for.
        Hashtable<String, Object> scope = new Hashtable<>(Map.of("osgi.command.scope", ReadyWait.SCOPE));
        boot.context().registerService(Object.class.getName(), new Object(), scope);
    }

    @AfterEach
    void stopFramework() {
        boot.close();
    }

    @Test
    void aJarDeletedBeforeFileInstallSawItIsNoLongerWaitedFor() throws Exception {
        Path jar = driverJar("a");
        SecondPass pass = new SecondPass();
        try (ReadyWait wait = ReadyWait.watch(boot.context(), List.of(jar), notices)) {
            CompletableFuture<List<String>> missing = awaitAsync(wait, pass);

            pass.awaitReached(); // the first pass saw the jar, not installed, and the wait went to sleep
            Files.delete(jar); // File Install will never see it, so no framework event will come
            pass.release();

            assertThat(missing.get(GUARD.toSeconds(), TimeUnit.SECONDS)).isEmpty();
        }
        assertThat(notices()).isEqualTo("blocklayer: a.jar was removed from deploy/ during start-up: starting without it\n");
    }

    @Test
    void aJarDeletedAfterItsBundleWasInstalledIsNoLongerWaitedFor() throws Exception {
        Path jar = driverJar("a");
        Path other = driverJar("b");
        Bundle bundle = boot.context().installBundle(jar.toUri().toString());
        Bundle otherBundle = boot.context().installBundle(other.toUri().toString());
        SecondPass pass = new SecondPass();
        try (ReadyWait wait = ReadyWait.watch(boot.context(), List.of(jar, other), notices)) {
            CompletableFuture<List<String>> missing = awaitAsync(wait, pass);

            pass.awaitReached(); // both installed, neither started
            Files.delete(jar); // what File Install then does: uninstall the bundle
            bundle.uninstall();
            pass.release();
            otherBundle.start(); // its STARTED event wakes the wait, which then has nothing left to wait for

            assertThat(missing.get(GUARD.toSeconds(), TimeUnit.SECONDS)).isEmpty();
        }
        assertThat(notices()).isEqualTo("blocklayer: a.jar was removed from deploy/ during start-up: starting without it\n");
    }

    @Test
    void aJarStillInDeployIsWaitedForEvenWhenItsBundleWasUninstalled() throws Exception {
        Path jar = driverJar("a");
        boot.context().installBundle(jar.toUri().toString()).uninstall(); // File Install would install it again
        try (ReadyWait wait = ReadyWait.watch(boot.context(), List.of(jar), notices)) {
            // The wait runs out on purpose: the jar stays missing.
            assertThat(wait.await(Duration.ofMillis(300), scope -> true))
                    .containsExactly("a.jar from deploy/ (not installed)");
        }
        assertThat(notices()).isEmpty();
    }

    private Path driverJar(String name) throws Exception {
        return TestBundles.jar(tmp.resolve("deploy").resolve(name + ".jar"), Map.of("Bundle-SymbolicName", "test." + name));
    }

    private static CompletableFuture<List<String>> awaitAsync(ReadyWait wait, Predicate<String> gogoKnowsScope) {
        CompletableFuture<List<String>> result = new CompletableFuture<>();
        Thread.ofPlatform().name("ready-wait").start(() -> {
            try {
                result.complete(wait.await(GUARD, gogoKnowsScope));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private String notices() {
        return noticeBytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Gogo "knows" the scope; the wait's second pass stops at its Gogo check until released, which proves that
     * the first pass is over (it found something missing and waited).
     */
    private static final class SecondPass implements Predicate<String> {
        private final AtomicInteger calls = new AtomicInteger();
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);

        @Override
        public boolean test(String scope) {
            if (calls.incrementAndGet() == 2) {
                reached.countDown();
                try {
                    released.await(GUARD.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return true;
        }

        void awaitReached() throws InterruptedException {
            assertThat(reached.await(GUARD.toSeconds(), TimeUnit.SECONDS)).as("the wait's second pass").isTrue();
        }

        void release() {
            released.countDown();
        }
    }
}
