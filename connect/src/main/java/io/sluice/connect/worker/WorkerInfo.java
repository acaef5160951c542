package io.sluice.connect.worker;

import org.apache.kafka.common.utils.internals.AppInfoParser;

/** What {@code GET /} reports: the Connect API version this runtime implements (kafka-clients' version). */
public final class WorkerInfo {
    public static final String VERSION = AppInfoParser.getVersion();
    public static final String COMMIT = AppInfoParser.getCommitId();

    private WorkerInfo() {
    }
}
