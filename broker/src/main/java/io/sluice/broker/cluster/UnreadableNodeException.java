package io.sluice.broker.cluster;

/** A node (a topic's, a partition state) that exists but cannot be parsed. */
public final class UnreadableNodeException extends IllegalStateException {
    private final String path;
    private final boolean empty;

    public UnreadableNodeException(String path, String message, Throwable cause, boolean empty) {
        super(message, cause);
        this.path = path;
        this.empty = empty;
    }

    /** An empty node: what a write that created parents leaves behind a deleted topic. */
    public boolean empty() {
        return empty;
    }

    public String path() {
        return path;
    }
}
