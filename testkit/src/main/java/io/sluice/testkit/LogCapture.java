package io.sluice.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.Predicate;

/**
 * Collects what the broker logs under a logger (and its children) while a test runs, e.g. to check
 * that an error is reported once rather than on every retry.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(String loggerName) {
        this.logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    /** Captures everything logged under {@code io.sluice}. */
    public static LogCapture broker() {
        return new LogCapture("io.sluice");
    }

    /** Events at WARN or above whose message (or exception) contains {@code text}. */
    public List<String> warnings(String text) {
        return matching(e -> e.getLevel().isGreaterOrEqual(Level.WARN), text);
    }

    public List<String> matching(Predicate<ILoggingEvent> filter, String text) {
        synchronized (appender) { // AppenderBase.doAppend holds this lock while adding
            return appender.list.stream().filter(filter).map(LogCapture::render).filter(s -> s.contains(text)).toList();
        }
    }

    private static String render(ILoggingEvent e) {
        String thrown = e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
        return e.getLevel() + " [" + e.getThreadName() + "] " + e.getLoggerName() + " - " + e.getFormattedMessage() + thrown;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
