package io.sluice.connect.herder;

/**
 * A request the herder refuses, with the HTTP status Kafka Connect answers it with (404 unknown connector,
 * 409 already exists, 400 bad config).
 */
public final class HerderException extends RuntimeException {
    private final int status;

    private HerderException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public static HerderException notFound(String message) {
        return new HerderException(404, message, null);
    }

    public static HerderException conflict(String message) {
        return new HerderException(409, message, null);
    }

    public static HerderException forbidden(String message) {
        return new HerderException(403, message, null);
    }

    public static HerderException badRequest(String message) {
        return new HerderException(400, message, null);
    }

    public static HerderException badRequest(String message, Throwable cause) {
        return new HerderException(400, message, cause);
    }

    /** 501: an operation this herder does not offer. */
    public static HerderException notImplemented(String message) {
        return new HerderException(501, message, null);
    }

    public int status() {
        return status;
    }
}
