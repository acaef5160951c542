package io.sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code main} class run in a child JVM on this test's class path, its output appended to a log
 * file, so that a test can stop it with SIGTERM ({@link #terminate}) or SIGKILL ({@link #kill}) and
 * start it again.
 */
public final class ChildJvm implements AutoCloseable {
    private final Path logFile;
    private final List<String> command;
    private Process process;
    /** Where this run's output begins in the log file (earlier runs appended before it). */
    private long runStart;

    public ChildJvm(Path logFile, String heap, String mainClass, List<String> args) {
        this(logFile, List.of("-Xmx" + heap), mainClass, args);
    }

    /**
     * With JVM options of its own, e.g. {@code -XX:TieredStopAtLevel=1} for a child that is killed and restarted
     * often, where start-up time matters more than peak speed.
     */
    public ChildJvm(Path logFile, List<String> jvmOptions, String mainClass, List<String> args) {
        this.logFile = logFile;
        String java = ProcessHandle.current().info().command().orElse("java");
        command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
    }

    public ChildJvm start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running: " + command);
        }
        runStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        return this;
    }

    /** This run's output so far. */
    public String output() throws IOException {
        byte[] all = Files.exists(logFile) ? Files.readAllBytes(logFile) : new byte[0];
        int from = (int) Math.min(runStart, all.length);
        return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    }

    /**
     * Waits until a line of this run's output matches {@code pattern} and returns the match; fails if the
     * process exits first or nothing matches within {@code timeoutMs}.
     */
    public Matcher awaitLine(Pattern pattern, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            for (String line : output().split("\n")) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Child JVM exited with " + process.exitValue()
                        + " before printing /" + pattern + "/; see " + logFile);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Child JVM printed no line matching /" + pattern + "/ in "
                        + timeoutMs + " ms; see " + logFile);
            }
            Thread.sleep(100);
        }
    }

    /** Polls {@code ready} until it holds, failing if the process exits first or the time runs out. */
    public void awaitReady(Predicate<ChildJvm> ready, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!ready.test(this)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Child JVM exited with " + process.exitValue() + " before "
                        + what + "; see " + logFile);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Child JVM: no " + what + " in " + timeoutMs + " ms; see " + logFile);
            }
            Thread.sleep(100);
        }
    }

    /** SIGSTOP: the whole JVM freezes (threads, heartbeats, sockets unanswered) until {@link #resume}; a zombie. */
    public void suspend() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT after {@link #suspend}: the JVM runs on as if no time had passed, unaware it was replaced. */
    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("kill " + signal + " " + process.pid() + " exited with " + exit);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, no clean-shutdown marker. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /**
     * SIGTERM, then waits for the JVM's shutdown hooks to finish; returns the exit code (143 for a JVM
     * that ended on the signal). Falls back to SIGKILL after {@code timeoutSeconds}.
     */
    public int terminate(long timeoutSeconds) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("Child JVM did not stop within " + timeoutSeconds + " s of SIGTERM; see "
                    + logFile);
        }
        return process.exitValue();
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
