package org.blocklayer.qmp.internal;

/**
 * A QMP error reply's {@code class} and {@code desc} (QEMU's {@code Error} with its {@code ErrorClass},
 * {@code qmp_error_response}), with the messages of QEMU's QAPI visitors ({@code qerror.h}) built in one place.
 */
final class QmpError extends Exception {
    private static final long serialVersionUID = 1L;

    /** {@code ERROR_CLASS_GENERIC_ERROR}. */
    static final String GENERIC = "GenericError";
    /** {@code ERROR_CLASS_COMMAND_NOT_FOUND}. */
    static final String COMMAND_NOT_FOUND = "CommandNotFound";

    private final String errorClass;

    QmpError(String errorClass, String desc) {
        super(desc, null, false, false);
        this.errorClass = errorClass;
    }

    static QmpError generic(String desc) {
        return new QmpError(GENERIC, desc);
    }

    /** {@code QERR_MISSING_PARAMETER}. */
    static QmpError missing(String name) {
        return generic("Parameter '" + name + "' is missing");
    }

    /** {@code QERR_INVALID_PARAMETER_TYPE}: {@code expected} is "string", "integer", "boolean", "object"... */
    static QmpError invalidType(String name, String expected) {
        return generic("Invalid parameter type for '" + name + "', expected: " + expected);
    }

    /** {@code QERR_INVALID_PARAMETER_VALUE}. */
    static QmpError invalidValue(String name, String expects) {
        return generic("Parameter '" + name + "' expects " + expects);
    }

    /** {@code qobject_input_check_struct}. */
    static QmpError unexpected(String name) {
        return generic("Parameter '" + name + "' is unexpected");
    }

    /** {@code input_type_enum}. */
    static QmpError badEnum(String name, String value) {
        return generic("Parameter '" + name + "' does not accept value '" + value + "'");
    }

    String errorClass() {
        return errorClass;
    }

    String desc() {
        return getMessage();
    }
}
