package org.blocklayer.qmp.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;

/**
 * QEMU's {@code JSONMessageParser} (json-streamer.c): cuts the bytes a client sends into JSON documents, however they
 * arrive (several per read, one over many, pretty-printed over lines), with Jackson's non-blocking parser. Bounded as
 * QEMU bounds it: a document may hold at most {@code maxBytes} bytes and nest {@link #MAX_NESTING} deep. After a
 * document that cannot be parsed or is too big, what follows is dropped unparsed up to where QEMU's lexer recovers
 * (a line end, a control character, a new object), so a 100 MiB line costs one error and no memory, and the next
 * line is a fresh start.
 */
final class RequestFramer {
    /** QEMU's {@code MAX_NESTING}. */
    static final int MAX_NESTING = 1024;
    /** How much is handed to the parser at once, so that a size limit is noticed within this many bytes. */
    private static final int SLICE = 4096;

    /** What the client sent: a document, or why the bytes were not one. */
    sealed interface Frame permits Document, Invalid {
    }

    record Document(JsonNode json) implements Frame {
    }

    record Invalid(String message) implements Frame {
    }

    private final ObjectMapper mapper;
    private final JsonFactory factory;
    private final int maxBytes;
    private JsonParser parser;
    private long parserBase;
    private long fed;
    private TokenBuffer document;
    private int depth;
    private long documentStart;
    private boolean skipping;
    /** Recovering from a size or nesting limit rather than from a syntax error. */
    private boolean pastLimit;

    RequestFramer(ObjectMapper mapper, int maxBytes) {
        this.mapper = mapper;
        this.maxBytes = maxBytes;
        this.factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).maxStringLength(maxBytes).maxNumberLength(1000)
                .maxNameLength(maxBytes).build()).build();
        this.factory.setCodec(mapper);
        restart();
    }

    /** Hands {@code length} more bytes to the parser; the documents and errors they complete, in order. */
    List<Frame> feed(byte[] bytes, int offset, int length) {
        List<Frame> frames = new ArrayList<>();
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (skipping) {
                int at = pos;
                while (at < end && !resumesAt(bytes[at], pastLimit)) {
                    at++;
                }
                fed += at - pos;
                pos = at;
                if (at < end) {
                    skipping = false;
                    restart();
                }
                continue;
            }
            int sliceEnd = Math.min(end, pos + SLICE);
            long sliceBase = fed;
            try {
                ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(bytes, pos, sliceEnd);
                fed += sliceEnd - pos;
                drain(frames);
                if (document != null && fed - documentStart > maxBytes) {
                    frames.add(new Invalid("JSON token size limit exceeded"));
                    skipping = true;
                    pastLimit = true;
                }
                pos = sliceEnd;
            } catch (IOException e) {
                frames.add(new Invalid(describe(e)));
                pastLimit = e instanceof StreamConstraintsException;
                // Recovery starts at the byte that was refused: if it was a line end, the next line is the next
                // request, as in QEMU's lexer, whose recovery stops there too.
                long refused = parserBase + parserOffset() - 1;
                long at = Math.max(sliceBase, Math.min(refused, sliceBase + (sliceEnd - pos)));
                pos += (int) (at - sliceBase);
                fed = at;
                skipping = true;
                if (pos < end && bytes[pos] != '\n' && bytes[pos] != '\r') {
                    // The refused byte itself would be refused again: recovery looks past it.
                    pos++;
                    fed++;
                }
            }
        }
        return frames;
    }

    /**
     * Where recovery after an error ends ({@code IN_RECOVERY} of QEMU's json-lexer.c): an ASCII control character
     * other than tab (a line end, or one a client sends on purpose to reset the parser, as qmp-spec.txt says), or,
     * after a syntax error, the start of a new object or array. Past a size or nesting limit the rest of the
     * document is still coming, so only a control character ends recovery there.
     */
    private static boolean resumesAt(byte b, boolean pastLimit) {
        int c = b & 0xff;
        return (c < 0x20 && c != '\t') || (!pastLimit && (c == '{' || c == '['));
    }

    /** The client closed its side: a document left unfinished is an error, as at QEMU's end of input. */
    List<Frame> endOfInput() {
        List<Frame> frames = new ArrayList<>();
        if (document != null && !skipping) {
            frames.add(new Invalid("JSON parse error, premature EOI"));
        }
        return frames;
    }

    private long parserOffset() {
        long offset = parser.currentLocation().getByteOffset();
        return offset < 0 ? 0 : offset;
    }

    private void drain(List<Frame> frames) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (document == null) {
                document = new TokenBuffer(parser);
                documentStart = parserBase + Math.max(0, parser.currentTokenLocation().getByteOffset());
                depth = 0;
            }
            document.copyCurrentEvent(parser);
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            }
            if (depth == 0) {
                try (JsonParser p = document.asParser(mapper)) {
                    frames.add(new Document(mapper.readTree(p)));
                }
                document = null;
            }
        }
    }

    private void restart() {
        try {
            if (parser != null) {
                parser.close();
            }
            parser = factory.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson cannot make a non-blocking parser", e);
        }
        parserBase = fed;
        document = null;
        depth = 0;
    }

    /** QEMU's messages for its limits; Jackson's own reason, behind QEMU's prefix, for the rest. */
    private static String describe(IOException e) {
        if (e instanceof StreamConstraintsException c) {
            String m = String.valueOf(c.getOriginalMessage());
            return m.contains("nesting depth") ? "JSON nesting depth limit exceeded" : "JSON token size limit exceeded";
        }
        String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        reason = reason == null ? "invalid input" : reason.lines().findFirst().orElse("invalid input");
        return "JSON parse error, " + reason;
    }

    /** A document grew past {@code maxBytes}. */
    private static final class TooBig extends Exception {
        private static final long serialVersionUID = 1L;

        TooBig() {
            super(null, null, false, false);
        }
    }
}
