package org.blocklayer.core.internal.declare;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.core.internal.graph.CoreFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** block:declared's source for node files that File Install could not make a configuration of, and escaping. */
class DeclarationsTest {
    private final CoreFixture core = new CoreFixture();
    @TempDir
    Path deploy;

    @AfterEach
    void tearDown() {
        core.close();
    }

    private static boolean printable(String s) {
        return s.chars().noneMatch(c -> Character.isISOControl(c) || c == 0xfffd);
    }

    @Test
    @DisplayName("issue 9: a .cfg of random bytes shows as a declaration that is not open, with the reason, escaped")
    void aFileOfRandomBytesShowsWithItsReason() throws Exception {
        Path junk = deploy.resolve("org.blocklayer.node~junk.cfg");
        Files.write(junk, new byte[] {'a', '=', 'b', 0x01, (byte) 0xff, '\n', '=', 0x1b, '\n'});
        Path escape = deploy.resolve("org.blocklayer.node~esc.cfg");
        Files.writeString(escape, "driver=file\nfilename=\\uZZZZ\n", StandardCharsets.UTF_8);
        Files.writeString(deploy.resolve("other.cfg"), "\u0001", StandardCharsets.UTF_8);
        Declarations declarations = new Declarations(List.of(deploy));

        assertThat(declarations.declarations()).satisfiesExactly(d -> {
            assertThat(d.node()).isEqualTo("esc");
            assertThat(d.open()).isFalse();
            assertThat(d.source()).isEqualTo(escape.toString());
            assertThat(d.problem()).isEqualTo("no configuration: File Install cannot read it: Malformed \\uxxxx"
                    + " encoding.");
        }, d -> {
            assertThat(d.node()).isEqualTo("junk");
            assertThat(d.open()).isFalse();
            assertThat(d.problem()).isEqualTo("no configuration: a line has an empty key, which Config Admin"
                    + " refuses");
        });
    }

    @Test
    @DisplayName("issue 9: a file File Install did read is listed once, by its declaration, with garbage escaped")
    void aReadFileIsListedOnceWithItsKeysEscaped() throws Exception {
        Path file = deploy.resolve("org.blocklayer.node~garbage.cfg");
        Files.writeString(file, "\u0007\u00ff=\u0001\n", StandardCharsets.ISO_8859_1);
        Map<String, Object> properties = new HashMap<>();
        properties.put("service.pid", "org.blocklayer.node~garbage");
        properties.put("felix.fileinstall.filename", file.toUri().toString());
        properties.put("\u0007\u00ff", new String[] {"\u0001", "\ufffd"});
        Declarations declarations = new Declarations(List.of(deploy));

        DeclaredNode node = new DeclaredNode(core.graph, declarations, properties, null, new QueuedExecutor());

        List<DeclarationInfo> all = declarations.declarations();
        assertThat(all).singleElement().satisfies(d -> {
            assertThat(d.source()).isEqualTo(file.toString());
            assertThat(d.open()).isFalse();
            assertThat(d.problem()).isEqualTo(file + ": '\\x07\u00ff' is a list; an open option takes one value"
                    + " (EINVAL)");
            assertThat(printable(d.problem())).isTrue();
        });
        node.deactivate();
        assertThat(declarations.declarations()).singleElement().satisfies(d -> assertThat(d.problem())
                .isEqualTo("no configuration made of it yet: File Install reads a new or changed file at its next"
                        + " scan, and its log says why when it cannot (it is not a text file: byte 0x07 at offset"
                        + " 0)"));
    }
}
