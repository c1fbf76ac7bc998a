package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.blocklayer.api.annotation.CoroutineFn;

/**
 * NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT ({@code nbd_negotiate_meta_queries}): the one context the
 * server offers is {@code base:allocation}; queries of other namespaces are ignored, as the spec asks. SET replaces
 * the selection even when it fails, and only for the export it names.
 */
final class MetaContexts {
    private NbdExport selectedFor;
    private boolean baseAllocation;

    /** Whether the client selected {@code base:allocation} for {@code export}. */
    boolean selected(NbdExport export) {
        return baseAllocation && selectedFor == export;
    }

    @CoroutineFn
    void answer(OptionIo opt, ExportTable exports, Wire.Option option, boolean structured)
            throws IOException, OptionIo.Rejected {
        boolean list = option == Wire.Option.LIST_META_CONTEXT;
        if (!list) {
            selectedFor = null;
            baseAllocation = false;
            if (!structured) {
                throw opt.invalid("request option '" + Wire.Option.name(opt.option())
                        + "' when structured reply is not negotiated");
            }
        }
        String name = opt.readName();
        NbdExport export = exports.find(name);
        if (export == null) {
            throw opt.drop(Wire.REP_ERR_UNKNOWN, "export '" + Negotiation.sanitized(name) + "' not present");
        }
        long queries = Integer.toUnsignedLong(opt.readInt());
        boolean base = list && queries == 0;
        for (long i = 0; i < queries; i++) {
            base |= query(opt, list);
        }
        if (opt.left() != 0) {
            throw opt.unexpectedLength();
        }
        if (base) {
            byte[] context = Wire.BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
            // LIST answers with id 0, as the spec reserves it there.
            opt.reply(Wire.REP_META_CONTEXT, ByteBuffer.allocate(4).putInt(list ? 0 : Wire.META_BASE_ALLOCATION)
                    .flip(), ByteBuffer.wrap(context));
        }
        opt.reply(Wire.REP_ACK);
        if (!list) {
            selectedFor = export;
            baseAllocation = base;
        }
    }

    /** {@code nbd_negotiate_meta_query}: whether this query selects {@code base:allocation}. */
    @CoroutineFn
    private static boolean query(OptionIo opt, boolean list) throws IOException, OptionIo.Rejected {
        long len = Integer.toUnsignedLong(opt.readInt());
        if (len > Wire.MAX_STRING) {
            opt.skip(len);
            return false;
        }
        String q = opt.readString((int) len);
        if (!q.startsWith("base:")) {
            return false;
        }
        String leaf = q.substring("base:".length());
        // An empty leaf lists the namespace; it selects nothing.
        return leaf.isEmpty() ? list : leaf.equals("allocation");
    }
}
