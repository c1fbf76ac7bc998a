package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** blockdev-add's JSON as the flat dotted options of {@code -blockdev}, and QAPI's checks on the way. */
class BlockdevOptionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String flat(String json) throws Exception {
        return BlockdevOptions.flatten((ObjectNode) JSON.readTree(json)).toString();
    }

    @Test
    void nestedChildrenBooleansNumbersAndListsFlattenAsQdictFlattenDoes() throws Exception {
        assertThat(flat("{\"driver\": \"qcow2\", \"node-name\": \"top\", \"read-only\": true, \"cache\": {\"direct\":"
                + " false}, \"file\": {\"driver\": \"file\", \"filename\": \"/x,y\"}, \"backing\": \"base\","
                + " \"l2-cache-size\": 1048576, \"x\": [\"a\", {\"b\": 1}]}"))
                .isEqualTo("driver=qcow2,node-name=top,read-only=on,cache.direct=off,file.driver=file,"
                        + "file.filename=/x,,y,backing=base,l2-cache-size=1048576,x.0=a,x.1.b=1");
    }

    @Test
    void qapisChecksComeFirstWithQemusMessages() {
        assertThatThrownBy(() -> flat("{\"node-name\": \"a\"}")).hasMessage("Parameter 'driver' is missing");
        assertThatThrownBy(() -> flat("{\"driver\": \"raw\", \"node-name\": \"a\", \"file\": {\"driver\": \"file\"}}"))
                .hasMessage("Parameter 'file.filename' is missing");
        assertThatThrownBy(() -> flat("{\"driver\": \"raw\", \"node-name\": 1, \"file\": \"f\"}"))
                .hasMessage("Invalid parameter type for 'node-name', expected: string");
        assertThatThrownBy(() -> flat("{\"driver\": \"raw\", \"file\": \"f\"}"))
                .hasMessage("'node-name' must be specified for the root node");
    }
}
