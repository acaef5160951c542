package io.sluice.runtime.store;

/** A store operation failed ({@link #timedOut}: it did not finish within its timeout; else the cluster refused it). */
public final class StoreException extends RuntimeException {
    private final boolean timedOut;

    public StoreException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    public boolean timedOut() {
        return timedOut;
    }
}
