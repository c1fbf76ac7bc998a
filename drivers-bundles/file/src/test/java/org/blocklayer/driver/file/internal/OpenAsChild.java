package org.blocklayer.driver.file.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.testing.FakeNode;

/**
 * The main class of the child JVM {@link FileDriverTest} runs as user {@code nobody} (through runuser) when the tests
 * run as root, for whom file permissions are not enforced: opens each file given read-only through the same
 * {@link FileDriver#open} the in-process test calls, and prints one line per file, {@code opened} or the errno and
 * message of the {@link BlockException}. The first line says which user it runs as, so the test can tell a child that
 * never started from one that did.
 */
public final class OpenAsChild {
    private OpenAsChild() {
    }

    public static void main(String[] args) {
        System.out.println("user " + System.getProperty("user.name"));
        for (String filename : args) {
            FileDriver driver = new FileDriver();
            FakeNode node = new FakeNode("n0");
            try {
                driver.open(node, new BlockOptions().put("filename", filename), 0);
                System.out.println(filename + ": opened");
            } catch (BlockException e) {
                System.out.println(filename + ": " + e.errno().name() + " " + e.getMessage());
            } finally {
                driver.close(node);
            }
        }
        System.out.flush();
    }
}
