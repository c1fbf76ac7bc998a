package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** How the framer cuts a byte stream into documents and errors, and where it recovers. */
class RequestFramerTest {
    private final RequestFramer framer = new RequestFramer(new ObjectMapper(), 4096);

    private List<String> feed(String... pieces) {
        List<String> out = new ArrayList<>();
        for (String p : pieces) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            framer.feed(b, 0, b.length).forEach(f -> out.add(switch (f) {
                case RequestFramer.Document d -> d.json().toString();
                case RequestFramer.Invalid i -> "! " + i.message();
            }));
        }
        return out;
    }

    @Test
    void documentsSplitAcrossFeedsOrSharingOneAreCutApart() {
        assertThat(feed("{\"a\":", " 1}{\"b\"", ":[2]} \"s\" 7 ")).containsExactly("{\"a\":1}", "{\"b\":[2]}",
                "\"s\"", "7");
    }

    @Test
    void aSyntaxErrorRecoversAtTheNextLineOrObject() {
        List<String> out = feed("{\"a\": x, \"b\": 1}\n{\"c\": 2}");
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).startsWith("! JSON parse error, Unexpected character ('x'");
        assertThat(out.get(1)).isEqualTo("{\"c\":2}");
        assertThat(feed("}{\"d\": 3}")).hasSize(2).last().isEqualTo("{\"d\":3}");
    }

    @Test
    void aControlCharacterResetsAParserLeftInsideADocument() {
        assertThat(feed("{\"a\": [1, ")).isEmpty();
        List<String> out = feed("\u0001\n{\"b\": 2}\n");
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).startsWith("! JSON parse error, ");
        assertThat(out.get(1)).isEqualTo("{\"b\":2}");
    }

    @Test
    void aDocumentOverTheLimitIsDroppedToTheEndOfItsLine() {
        String big = "{\"a\": \"" + "x".repeat(10_000) + "\", \"b\": {\"c\": 1}}\n";
        assertThat(feed(big, "{\"ok\": true}")).containsExactly("! JSON token size limit exceeded",
                "{\"ok\":true}");
    }

    @Test
    void anUnfinishedDocumentAtEndOfInputIsAnError() {
        feed("{\"a\": ");
        assertThat(framer.endOfInput()).extracting(f -> ((RequestFramer.Invalid) f).message())
                .containsExactly("JSON parse error, premature EOI");
    }
}
