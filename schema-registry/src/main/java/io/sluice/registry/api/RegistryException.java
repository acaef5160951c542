package io.sluice.registry.api;

/** A failure the REST API reports as {@code {"error_code": code, "message": ...}} with the code's HTTP status. */
public class RegistryException extends RuntimeException {
    private final int errorCode;

    public RegistryException(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public RegistryException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }

    public int httpStatus() {
        return ErrorCode.httpStatus(errorCode);
    }

    public static RegistryException subjectNotFound(String subject) {
        return new RegistryException(ErrorCode.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }

    public static RegistryException versionNotFound(String subject, Object version) {
        return new RegistryException(ErrorCode.VERSION_NOT_FOUND,
                "Version " + version + " not found for subject '" + subject + "'.");
    }

    public static RegistryException schemaNotFound(String what) {
        return new RegistryException(ErrorCode.SCHEMA_NOT_FOUND, what);
    }

    public static RegistryException invalidSchema(String message) {
        return new RegistryException(ErrorCode.INVALID_SCHEMA, message);
    }
}
