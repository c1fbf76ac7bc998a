package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Requests "in flight" for a parser without a connection. */
final class FakeTable implements ReplyParser.Table {
    final Map<Long, NbdRequest> pending = new LinkedHashMap<>();
    final List<NbdRequest> completed = new ArrayList<>();

    NbdRequest read(long cookie, long offset, int length) {
        return add(cookie, new NbdRequest(Nbd.CMD_READ, 0, offset, length, ByteBuffer.allocate(length)));
    }

    NbdRequest command(long cookie, int type, long offset, int length) {
        return add(cookie, new NbdRequest(type, 0, offset, length,
                type == Nbd.CMD_WRITE ? ByteBuffer.allocate(length) : null));
    }

    private NbdRequest add(long cookie, NbdRequest r) {
        r.setCookie(cookie);
        pending.put(cookie, r);
        return r;
    }

    @Override
    public NbdRequest lookup(long cookie) {
        return pending.get(cookie);
    }

    @Override
    public void completed(NbdRequest r) {
        pending.remove(r.cookie());
        r.complete();
        completed.add(r);
    }
}
