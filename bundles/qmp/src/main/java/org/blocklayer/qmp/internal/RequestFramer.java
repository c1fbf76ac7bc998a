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
 * document that cannot be parsed or is too big, what follows up to the next newline is dropped unparsed, so a
 * 100 MiB line costs one error and no memory, and the next line is a fresh start.
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
                int nl = pos;
                while (nl < end && bytes[nl] != '\n') {
                    nl++;
                }
                fed += nl - pos;
                if (nl == end) {
                    return frames;
                }
                fed++;
                pos = nl + 1;
                skipping = false;
                restart();
                continue;
            }
            int sliceEnd = Math.min(end, pos + SLICE);
            long sliceBase = fed;
            try {
                ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(bytes, pos, sliceEnd);
                fed += sliceEnd - pos;
                drain(frames);
                if (document != null && fed - documentStart > maxBytes) {
                    throw new TooBig();
                }
                pos = sliceEnd;
            } catch (TooBig e) {
                frames.add(new Invalid("JSON token size limit exceeded"));
                pos = sliceEnd;
                skipping = true;
            } catch (IOException e) {
                frames.add(new Invalid(describe(e)));
                long at = Math.max(sliceBase, Math.min(parserBase + parserOffset(), sliceBase + (sliceEnd - pos)));
                int resume = pos + (int) (at - sliceBase);
                fed = at;
                pos = resume;
                skipping = true;
            }
        }
        return frames;
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
