package io.sluice.connect.worker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One running task on its own thread: starts the connector's task, loops until stopped, reports its
 * {@link Status}. An exception out of the task makes it FAILED with the trace; once the task is closed, the
 * failure listener (the worker's automatic restart) hears of it.
 */
abstract class WorkerTask implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(WorkerTask.class);

    protected final ConnectorTaskId id;
    protected final Status status;
    private final ClassLoader loader;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile BooleanSupplier current = () -> true;
    private volatile Consumer<String> topicUsed = topic -> { };
    private TargetState target;
    private volatile java.util.function.Consumer<WorkerTask> failureListener = t -> { };
    private volatile boolean failed;

    WorkerTask(ConnectorTaskId id, Status status, TargetState initial, ClassLoader loader) {
        this.id = id;
        this.status = status;
        this.target = initial;
        this.loader = loader;
    }

    @Override
    public final void run() {
        Thread.currentThread().setContextClassLoader(loader);
        try {
            initializeAndStart();
            status.moveTo(targetState().reported());
            execute();
        } catch (Throwable e) {
            if (stopping) {
                log.debug("Task {} threw while stopping", id, e);
            } else {
                log.error("Task {} failed", id, e);
                status.fail(e);
                failed = true;
            }
        } finally {
            try {
                close();
            } catch (Throwable e) {
                log.warn("Task {} did not close cleanly", id, e);
            }
            finished.countDown();
            if (failed) {
                failureListener.accept(this);
            }
        }
    }

    /** Who hears, on the task's thread after it closed, that it failed. */
    void onFailure(java.util.function.Consumer<WorkerTask> listener) {
        failureListener = listener;
    }

    protected abstract void initializeAndStart();

    /** The task's loop; returns when {@link #isStopping()}. */
    protected abstract void execute() throws InterruptedException;

    /** Releases the task and its clients; runs on the task's thread after {@link #execute}. */
    protected abstract void close();

    /** Wakes the task's thread out of a blocking call so that it sees {@link #isStopping()}. */
    protected abstract void wakeUp();

    /** Set by the worker before the task runs: whether the task still belongs to this worker (see {@link Worker#fenceWith}). */
    void fence(BooleanSupplier isCurrent) {
        this.current = isCurrent;
    }

    /** Set by the worker before the task runs: told of the topics the task produces to or consumes from. */
    void onTopicUsed(Consumer<String> listener) {
        this.topicUsed = listener;
    }

    protected void topicUsed(String topic) {
        topicUsed.accept(topic);
    }

    /**
     * Whether this task's worker may no longer own it (a distributed worker that lost its place in the group): then
     * it must neither produce nor commit, since another worker may run the same task already.
     */
    protected boolean isFenced() {
        return !current.getAsBoolean();
    }

    protected boolean isStopping() {
        return stopping;
    }

    /** Asks the task to stop; returns at once. */
    void stop() {
        stopping = true;
        synchronized (this) {
            notifyAll();
        }
        wakeUp();
    }

    /** Waits for the task's thread to finish, at most {@code timeoutMs}; returns whether it did. */
    boolean awaitStop(long timeoutMs) throws InterruptedException {
        return finished.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    synchronized void transitionTo(TargetState next) {
        target = next;
        notifyAll();
        wakeUp();
    }

    protected synchronized TargetState targetState() {
        return target;
    }

    /** Blocks while the target state is PAUSED (reporting PAUSED), until resumed or stopped. */
    protected void awaitUnpaused() throws InterruptedException {
        synchronized (this) {
            if (target != TargetState.PAUSED || stopping) {
                return;
            }
            status.moveTo(State.PAUSED);
            while (target == TargetState.PAUSED && !stopping) {
                wait();
            }
        }
        if (!stopping) {
            status.moveTo(State.RUNNING);
        }
    }
}
