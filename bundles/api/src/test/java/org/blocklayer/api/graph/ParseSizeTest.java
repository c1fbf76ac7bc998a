package org.blocklayer.api.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link BlockOptions#parseSize} against what qemu-io 7.2 answered for the same text (values noted from it). */
class ParseSizeTest {

    private static long parse(String text) throws BlockException {
        return BlockOptions.parseSize("OFFSET", text);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            16                       | 16
            0x10                     | 16
            0X10                     | 16
            +0x10                    | 16
            1.5K                     | 1536
            2.5M                     | 2621440
            1.5t                     | 1649267441664
            0x10k                    | 16384
            0x10p                    | 18014398509481984
            0x1e                     | 30
            0x10B                    | 267
            0x10e                    | 270
            1.k                      | 1024
            1.                       | 1
            1.0                      | 1
            010                      | 10
            +5                       | 5
            1e                       | 1152921504606846976
            3P                       | 3377699720527872
            3.99E                    | 4600156803381319424
            0.1k                     | 102
            0.0001k                  | 0
            1.00048828125k           | 1025
            0.999999999999999999999k | 0
            1.9999999999999999999999k | 1024
            1.5e                     | 1729382256910270464
            0x7fffffffffffffff       | 9223372036854775807
            """)
    void acceptsWhatQemuIoAccepts(String text, long expected) throws BlockException {
        assertThat(parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            1.5                 | a fraction needs a suffix
            1.0000000000000000001 | a fraction needs a suffix
            0.5b                | a fraction needs a suffix
            1.5e3               | an exponent is not accepted
            1.5e-3k             | an exponent is not accepted
            -1                  | cannot be negative
            -0                  | cannot be negative
            -0x10               | cannot be negative
            0x1.8k              | a hexadecimal number cannot have a fraction
            0x                  | unexpected 'x' after '0'
            00x10               | unexpected 'x10' after '00'
            1kB                 | unexpected 'B' after '1k'
            1KiB                | unexpected 'iB' after '1K'
            16Q                 | unexpected 'Q' after '16'
            1_0                 | unexpected '_0' after '1'
            1.1.1k              | unexpected '.1k' after '1.1'
            .5k                 | no number at the start
            k                   | no number at the start
            ''                  | no number at the start
            99999999999999999999999Q | unexpected 'Q'
            """)
    void refusesWhatQemuIoRefusesWithEinvalSayingWhy(String text, String why) {
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            assertThat(e.getMessage()).startsWith("Parameter 'OFFSET' expects a size, got '" + text + "': ")
                    .contains(why);
        });
    }

    @ParameterizedTest
    @CsvSource({"8E", "0x8000000000000000", "18446744073709551615", "18446744073709551616", "-99999999999999999999",
        "8388608T"})
    void tooLargeIsErange(String text) {
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ERANGE);
            assertThat(e.getMessage()).isEqualTo("Parameter 'OFFSET': size '" + text
                    + "' is too large (at most 9223372036854775807, 8E - 1)");
        });
    }

    @Test
    void leadingWhiteSpaceIsTakenAsStrtoullTakesItTrailingIsNot() throws BlockException {
        assertThat(parse(" \t4k")).isEqualTo(4096);
        assertThatThrownBy(() -> parse("4k ")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.getMessage()).endsWith(": unexpected ' ' after '4k'"));
    }

    /** The same texts through the real qemu-io (7.2): same value, or a parsing error where it gives one. */
    @Test
    void agreesWithQemuIo() throws Exception {
        List<String> texts = List.of("16", "0x10", "1.5K", "0x10k", "0x1e", "0x10B", "1.k", "1.", "1.0", "1.5",
                "1.5b", "1.5e3", "0x", "1kB", "+5", "0x1.8k", ".5k", "1e", "3P", "3.99E", "0.1k", "1.00048828125k",
                "00x10", "010", "8E", "0x8000000000000000", "1.5e", "2.5M", "0.999999999999999999999k");
        List<String> outputs = qemuIoReads(texts);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            String out = outputs.get(i);
            if (out.startsWith("Parsing error: argument too large")) {
                assertThatThrownBy(() -> parse(text)).as(text).isInstanceOfSatisfying(BlockException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.ERANGE));
            } else if (out.startsWith("Parsing error")) {
                assertThatThrownBy(() -> parse(text)).as(text).isInstanceOfSatisfying(BlockException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            } else {
                assertThat(out).as(text).startsWith("read 0/0 bytes at offset " + parse(text));
            }
        }
    }

    /** One qemu-io per text (the -c commands share one output), reading 0 bytes at the text as offset. */
    private static List<String> qemuIoReads(List<String> texts) throws IOException, InterruptedException {
        Needs.tool("qemu-io", "qemu-utils");
        List<String> outputs = new ArrayList<>();
        for (String text : texts) {
            ProcessBuilder pb = new ProcessBuilder("qemu-io", "--image-opts",
                    "driver=null-co,size=" + (1L << 62), "-c", "read " + text + " 0").redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // The hex-with-suffix deprecation warning comes first on its own line.
            outputs.add(out.lines().filter(l -> !l.contains("warning")).findFirst().orElse(""));
        }
        return outputs;
    }
}
