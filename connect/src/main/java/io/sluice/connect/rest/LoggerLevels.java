package io.sluice.connect.rest;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka Connect's {@code /admin/loggers} over Logback: every known logger's effective level, the root logger named
 * {@code root}; setting a level sets it on the namespace and every logger under it, and remembers when
 * ({@code last_modified}). Changes are this worker's only and last until it stops, as in Kafka Connect.
 */
final class LoggerLevels {
    static final String ROOT = "root";

    /** Kafka Connect's JSON for one logger. */
    record LoggerLevel(String level, @JsonProperty("last_modified") Long lastModified) {
    }

    private final Map<String, Long> lastModified = new ConcurrentHashMap<>();

    /** Null when SLF4J is not bound to Logback (then the endpoints report nothing and change nothing). */
    private static LoggerContext context() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context ? context : null;
    }

    Map<String, LoggerLevel> all() {
        Map<String, LoggerLevel> levels = new TreeMap<>();
        LoggerContext context = context();
        if (context != null) {
            for (Logger logger : context.getLoggerList()) {
                if (logger.getEffectiveLevel() != Level.OFF) {
                    levels.put(name(logger), levelOf(logger));
                }
            }
        }
        return levels;
    }

    /** The logger's level (its effective one when not set), or null when no such logger exists. */
    LoggerLevel level(String name) {
        LoggerContext context = context();
        if (context == null) {
            return null;
        }
        Logger logger = ROOT.equalsIgnoreCase(name) ? context.getLogger(Logger.ROOT_LOGGER_NAME) : context.exists(name);
        return logger == null ? null : levelOf(logger);
    }

    static boolean isValid(String level) {
        return !level.isEmpty() && Level.toLevel(level.toUpperCase(Locale.ROOT), null) != null;
    }

    /** Sets {@code namespace} and every logger under it to {@code level}; returns the loggers that changed. */
    List<String> setLevel(String namespace, String level) {
        LoggerContext context = context();
        if (context == null) {
            return List.of();
        }
        Level next = Level.toLevel(level.toUpperCase(Locale.ROOT));
        boolean root = ROOT.equalsIgnoreCase(namespace) || namespace.isEmpty();
        List<Logger> affected = new ArrayList<>();
        if (!root) {
            affected.add(context.getLogger(namespace));
        }
        for (Logger logger : context.getLoggerList()) {
            if (root || (logger.getName().startsWith(namespace) && !logger.getName().equals(namespace))) {
                affected.add(logger);
            }
        }
        Map<Logger, Level> before = new java.util.HashMap<>();
        affected.forEach(logger -> before.put(logger, logger.getEffectiveLevel()));
        affected.forEach(logger -> logger.setLevel(next));
        List<String> changed = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (Logger logger : affected) {
            if (!next.equals(before.get(logger))) {
                lastModified.put(name(logger), now);
                changed.add(name(logger));
            }
        }
        Collections.sort(changed);
        return changed;
    }

    private LoggerLevel levelOf(Logger logger) {
        return new LoggerLevel(logger.getEffectiveLevel().toString(), lastModified.get(name(logger)));
    }

    private static String name(Logger logger) {
        return Logger.ROOT_LOGGER_NAME.equals(logger.getName()) ? ROOT : logger.getName();
    }
}
