package io.sluice.registry.api;

/**
 * Confluent Schema Registry's error codes: the first three digits are the HTTP status, the rest tell the cause.
 * Clients (Confluent's in every language) switch on these numbers, so they must not change.
 */
public final class ErrorCode {
    public static final int SUBJECT_NOT_FOUND = 40401;
    public static final int VERSION_NOT_FOUND = 40402;
    public static final int SCHEMA_NOT_FOUND = 40403;
    public static final int SUBJECT_SOFT_DELETED = 40404;
    public static final int SUBJECT_NOT_SOFT_DELETED = 40405;
    public static final int VERSION_SOFT_DELETED = 40406;
    public static final int VERSION_NOT_SOFT_DELETED = 40407;
    public static final int SUBJECT_COMPATIBILITY_NOT_CONFIGURED = 40408;
    public static final int SUBJECT_MODE_NOT_CONFIGURED = 40409;
    public static final int INCOMPATIBLE_SCHEMA = 409;
    public static final int INVALID_SCHEMA = 42201;
    public static final int INVALID_VERSION = 42202;
    public static final int INVALID_COMPATIBILITY_LEVEL = 42203;
    public static final int INVALID_MODE = 42204;
    public static final int OPERATION_NOT_PERMITTED = 42205;
    public static final int REFERENCE_EXISTS = 42206;
    public static final int ID_DOES_NOT_MATCH = 42207;
    public static final int STORE_ERROR = 50001;
    public static final int OPERATION_TIMEOUT = 50002;
    public static final int FORWARDING_FAILED = 50003;
    public static final int UNKNOWN_LEADER = 50004;

    private ErrorCode() {
    }

    /** The HTTP status an error code is sent with: its first three digits. */
    public static int httpStatus(int errorCode) {
        int status = errorCode;
        while (status >= 1000) {
            status /= 10;
        }
        return status;
    }
}
