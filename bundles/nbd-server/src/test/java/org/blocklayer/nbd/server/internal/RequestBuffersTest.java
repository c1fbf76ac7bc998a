package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RequestBuffersTest {
    private final RequestBuffers buffers = new RequestBuffers();

    @Test
    void aRequestGetsADirectBufferOfItsLengthFromItsPowerOfTwoClass() {
        ByteBuffer b = buffers.take(5000);
        assertThat(b.isDirect()).isTrue();
        assertThat(b.position()).isZero();
        assertThat(b.limit()).isEqualTo(5000);
        assertThat(b.capacity()).isEqualTo(8192);
        assertThat(buffers.take(1).capacity()).isEqualTo(4096);
        assertThat(buffers.take(RequestBuffers.POOLED_MAX).capacity()).isEqualTo(RequestBuffers.POOLED_MAX);
    }

    @Test
    void aBufferGivenBackServesTheNextRequestOfItsClass() {
        ByteBuffer b = buffers.take(4096);
        b.position(100);
        buffers.give(b);
        ByteBuffer again = buffers.take(3000);
        assertThat(again).isSameAs(b);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(3000);
        assertThat(buffers.take(3000)).as("the class is empty again").isNotSameAs(b);
    }

    @Test
    void largerRequestsGetAHeapBufferOfTheirOwnThatIsNotKept() {
        ByteBuffer big = buffers.take(RequestBuffers.POOLED_MAX + 1);
        assertThat(big.isDirect()).isFalse();
        assertThat(big.remaining()).isEqualTo(RequestBuffers.POOLED_MAX + 1);
        buffers.give(big);
        buffers.give(null);
        assertThat(buffers.take(RequestBuffers.POOLED_MAX + 1)).isNotSameAs(big);
    }

    @Test
    void aConnectionKeepsNoMoreThanKeptMaxBytes() {
        int count = RequestBuffers.KEPT_MAX / RequestBuffers.POOLED_MAX + 3;
        List<ByteBuffer> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            taken.add(buffers.take(RequestBuffers.POOLED_MAX));
        }
        taken.forEach(buffers::give);
        int reused = 0;
        for (int i = 0; i < count; i++) {
            ByteBuffer b = buffers.take(RequestBuffers.POOLED_MAX);
            if (taken.stream().anyMatch(t -> t == b)) {
                reused++;
            }
        }
        assertThat(reused).isEqualTo(RequestBuffers.KEPT_MAX / RequestBuffers.POOLED_MAX);
    }
}
