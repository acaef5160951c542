package io.sluice.registry.client;

/** An error answer from the registry: HTTP status and Confluent error code (e.g. 404 / 40401). */
public class RestClientException extends Exception {
    private final int status;
    private final int errorCode;

    public RestClientException(String message, int status, int errorCode) {
        super(message + "; error code: " + errorCode);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }
}
