package org.blocklayer.qmp.internal;

import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.error.BlockException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code qmp_dispatch} with {@code monitor_qmp_dispatch}'s negotiation rule: checks a request's shape, finds its
 * command in the table the session may use now, runs it one at a time across every session (QEMU runs them all in
 * its main loop), and builds the reply with the request's {@code id}.
 */
final class Dispatcher {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final CommandTable commands;
    private final ExecutorService serial;
    private final CoroutineScheduler scheduler;
    private final BiConsumer<String, Throwable> warn;

    /** {@code warn} logs what went wrong inside the server, never what a client did wrong. */
    Dispatcher(CommandTable commands, ExecutorService serial, CoroutineScheduler scheduler,
            BiConsumer<String, Throwable> warn) {
        this.commands = commands;
        this.serial = serial;
        this.scheduler = scheduler;
        this.warn = warn;
    }

    CommandTable commands() {
        return commands;
    }

    /** The reply to one request of {@code session}; never null, never throws. */
    ObjectNode dispatch(JsonNode request, Session session) {
        JsonNode id = request.isObject() ? request.get("id") : null;
        ObjectNode reply;
        try {
            reply = success(execute(request, session));
        } catch (QmpError e) {
            reply = error(e);
        }
        if (id != null) {
            reply.set("id", id);
        }
        return reply;
    }

    private JsonNode execute(JsonNode request, Session session) throws QmpError {
        if (!request.isObject()) {
            throw QmpError.generic("QMP input must be a JSON object");
        }
        String name = checkObject((ObjectNode) request);
        JsonNode arguments = request.get("arguments");
        QmpArgs args = new QmpArgs(arguments == null ? null : (ObjectNode) arguments);
        if (!session.negotiated()) {
            if (!name.equals("qmp_capabilities")) {
                throw new QmpError(QmpError.COMMAND_NOT_FOUND,
                        "Expecting capabilities negotiation with 'qmp_capabilities'");
            }
            ControlCommands.capabilities(args);
            session.negotiate();
            return JSON.objectNode();
        }
        if (name.equals("qmp_capabilities")) {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command ignored");
        }
        CommandTable.Entry entry = commands.find(name);
        if (entry == null) {
            throw new QmpError(QmpError.COMMAND_NOT_FOUND, "The command " + name + " has not been found");
        }
        return run(entry, args);
    }

    /** {@code qmp_dispatch_check_obj}: the command's name. */
    private static String checkObject(ObjectNode request) throws QmpError {
        String execute = null;
        for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
            String member = it.next();
            JsonNode value = request.get(member);
            switch (member) {
                case "execute" -> {
                    if (!value.isTextual()) {
                        throw QmpError.generic("QMP input member 'execute' must be a string");
                    }
                    execute = value.textValue();
                }
                case "arguments" -> {
                    if (!value.isObject()) {
                        throw QmpError.generic("QMP input member 'arguments' must be an object");
                    }
                }
                case "id" -> {
                }
                default -> throw QmpError.generic("QMP input member '" + member + "' is unexpected");
            }
        }
        if (execute == null) {
            throw QmpError.generic("QMP input lacks member 'execute'");
        }
        return execute;
    }

    private JsonNode run(CommandTable.Entry entry, QmpArgs args) throws QmpError {
        Future<JsonNode> done;
        try {
            done = serial.submit(() -> entry.where() == CommandTable.Where.MAIN_LOOP
                ? scheduler.callInMainLoop(() -> entry.command().run(args))
                : entry.command().run(args));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw QmpError.generic("The command " + entry.name() + " was not run: the QMP server is stopping");
        }
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw QmpError.generic("The command " + entry.name() + " was interrupted: the QMP server is stopping");
        } catch (ExecutionException e) {
            throw toQmp(entry.name(), e.getCause());
        } catch (java.util.concurrent.CancellationException e) {
            throw QmpError.generic("The command " + entry.name() + " was not run: the QMP server is stopping");
        }
    }

    private QmpError toQmp(String command, Throwable failure) {
        if (failure instanceof QmpError q) {
            return q;
        }
        if (failure instanceof BlockException b) {
            return QmpError.generic(b.detail());
        }
        // Not the client's fault: said to the client in one line, logged with its trace for us.
        warn.accept("QMP command " + command + " failed", failure);
        return QmpError.generic("Internal error in " + command + ": " + failure);
    }

    private static ObjectNode success(JsonNode value) {
        ObjectNode reply = JSON.objectNode();
        reply.set("return", value == null ? JSON.objectNode() : value);
        return reply;
    }

    /** {@code qmp_error_response}. */
    static ObjectNode error(QmpError e) {
        ObjectNode reply = JSON.objectNode();
        ObjectNode error = reply.putObject("error");
        error.put("class", e.errorClass());
        error.put("desc", e.desc());
        return reply;
    }
}
