package org.blocklayer.core.internal.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.CreateRequest;
import org.blocklayer.api.driver.ImageCreation;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.core.internal.coroutine.CoWrappers;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * Image creation ({@code bdrv_img_create} and {@code bdrv_create}, block.c; {@code qemu-img create}): the format
 * driver and the protocol driver of the filename declare the options together, the given ones are checked against
 * those declarations, and the format driver's {@link ImageCreation#coCreate} runs in a coroutine in the main loop. A
 * format creates its file through {@link CreateRequest#coCreateFile} ({@code bdrv_create_file}). A driver's failure
 * keeps its errno and is prefixed with the driver's name, once.
 */
final class ImageCreate {
    private final DriverRegistry drivers;
    private final EventLoop mainLoop;

    ImageCreate(DriverRegistry drivers, EventLoop mainLoop) {
        this.drivers = drivers;
        this.mainLoop = mainLoop;
    }

    /** {@link org.blocklayer.api.graph.BlockGraph#create}; main loop. */
    @GlobalStateCode
    BlockOptions create(String format, String filename, long size, BlockOptions given) throws BlockException {
        requireFilename(filename);
        if (size < 0) {
            throw new BlockException(Errno.EINVAL, "Image creation needs a size of 0 bytes or more, not " + size);
        }
        BlockDriver drv = format(format);
        ImageCreation creator = creation(drv, "Format");
        List<CreateOption> declared = declared(creator, creation(protocol(filename), "Protocol"));
        BlockOptions options = checked(declared, size, given == null ? new BlockOptions() : given);
        Request request = new Request(filename, options);
        try {
            CoWrappers.mixed(mainLoop, () -> {
                creator.coCreate(request);
                return null;
            });
        } catch (CreateFailure e) {
            throw e;
        } catch (BlockException e) {
            throw new CreateFailure(drv, e);
        }
        return options.copy();
    }

    /** {@link org.blocklayer.api.graph.BlockGraph#createOptions}; main loop. */
    @GlobalStateCode
    List<CreateOption> createOptions(String format, String filename) throws BlockException {
        ImageCreation creator = creation(format(format), "Format");
        if (filename == null) {
            return List.copyOf(creator.createOptions());
        }
        requireFilename(filename);
        return declared(creator, creation(protocol(filename), "Protocol"));
    }

    private BlockDriver format(String name) throws BlockException {
        BlockDriver drv = name == null ? null : drivers.find(name);
        if (drv == null) {
            throw new BlockException(Errno.EINVAL, "Unknown file format '" + name + "' (deployed: "
                    + String.join(", ", drivers.infos().stream().map(i -> i.name()).toList()) + ")");
        }
        return drv;
    }

    private BlockDriver protocol(String filename) throws BlockException {
        return drivers.protocolFor(filename, NodeOpener.DEFAULT_PROTOCOL);
    }

    private static void requireFilename(String filename) throws BlockException {
        if (filename == null || filename.isEmpty()) {
            throw new BlockException(Errno.EINVAL, "Expecting image file name");
        }
    }

    /** The driver's {@link ImageCreation}; ENOTSUP as QEMU words it when it has none. */
    private static ImageCreation creation(BlockDriver drv, String kind) throws BlockException {
        if (drv instanceof ImageCreation c) {
            return c;
        }
        throw new BlockException(Errno.ENOTSUP, kind + " driver '" + drv.formatName()
                + "' does not support image creation");
    }

    /** {@code qemu_opts_append}: the format's options, then the protocol's that the format does not declare. */
    private static List<CreateOption> declared(ImageCreation format, ImageCreation protocol) {
        Map<String, CreateOption> byName = new LinkedHashMap<>();
        for (CreateOption o : format.createOptions()) {
            byName.putIfAbsent(o.name(), o);
        }
        if (protocol != format) {
            for (CreateOption o : protocol.createOptions()) {
                byName.putIfAbsent(o.name(), o);
            }
        }
        return List.copyOf(byName.values());
    }

    /**
     * {@code qemu_opts_do_parse} against the declarations, then the size: every option declared, every value of its
     * type; sizes and numbers become plain numbers. In declaration order, as {@code qemu_opts_print} shows them.
     */
    private static BlockOptions checked(List<CreateOption> declared, long size, BlockOptions given)
            throws BlockException {
        List<String> names = declared.stream().map(CreateOption::name).toList();
        for (String key : given.keys()) {
            if (key.equals(CreateOption.SIZE)) {
                throw new BlockException(Errno.EINVAL, "The image size must be specified only once");
            }
            if (!names.contains(key)) {
                throw new BlockException(Errno.EINVAL, "Invalid parameter '" + key + "' (the options here: "
                        + String.join(", ", names.stream().sorted().toList()) + ")");
            }
        }
        BlockOptions values = given.copy();
        BlockOptions checked = new BlockOptions();
        for (CreateOption o : declared) {
            if (o.name().equals(CreateOption.SIZE)) {
                checked.put(o.name(), Long.toString(size));
                continue;
            }
            if (!values.has(o.name())) {
                continue;
            }
            String value = switch (o.type()) {
                case SIZE -> Long.toString(values.takeSize(o.name()));
                case NUMBER -> Long.toString(number(o.name(), values.takeString(o.name())));
                case BOOL -> values.takeBool(o.name()) ? "on" : "off";
                case STRING -> values.takeString(o.name());
            };
            checked.put(o.name(), value);
        }
        return checked;
    }

    /** {@code parse_option_number}: an unsigned decimal, octal or hexadecimal number. */
    private static long number(String name, String text) throws BlockException {
        try {
            return Long.decode(text);
        } catch (NumberFormatException e) {
            throw new BlockException(Errno.EINVAL, "Parameter '" + name + "' expects a number, got '" + text + "'");
        }
    }

    /** What the core hands a creating driver ({@code bdrv_co_create_opts}'s arguments). */
    private final class Request implements CreateRequest {
        private final String filename;
        private final BlockOptions options;

        Request(String filename, BlockOptions options) {
            this.filename = filename;
            this.options = options;
        }

        @Override
        public String filename() {
            return filename;
        }

        @Override
        public BlockOptions options() {
            return options.copy();
        }

        @Override
        public AioContext aioContext() {
            return mainLoop;
        }

        /**
         * {@code bdrv_co_create_file}: the protocol driver sees the options it declares; one it does not declare is
         * EINVAL, as {@code qemu_opts_from_qdict} refuses it (a format that did not take its own option).
         */
        @Override
        @CoroutineFn
        public void coCreateFile(String file, BlockOptions given) throws BlockException {
            requireFilename(file);
            BlockDriver proto = protocol(file);
            if (!(proto instanceof ImageCreation creator)) {
                throw new BlockException(Errno.ENOTSUP, "Driver '" + proto.formatName()
                        + "' does not support image creation");
            }
            List<String> names = new ArrayList<>();
            creator.createOptions().forEach(o -> names.add(o.name()));
            for (String key : given.keys()) {
                if (!names.contains(key)) {
                    throw new BlockException(Errno.EINVAL, "Invalid parameter '" + key + "' for protocol driver '"
                            + proto.formatName() + "'");
                }
            }
            try {
                creator.coCreate(new Request(file, given.copy()));
            } catch (CreateFailure e) {
                throw e;
            } catch (BlockException e) {
                throw new CreateFailure(proto, e);
            }
        }
    }

    /** A driver's failure, named once: {@code driver 'file': Could not create '/x': ...}. */
    private static final class CreateFailure extends BlockException {
        private static final long serialVersionUID = 1L;

        CreateFailure(BlockDriver drv, BlockException e) {
            super(e.errno(), "driver '" + drv.formatName() + "': " + e.getMessage(), e);
        }
    }
}
