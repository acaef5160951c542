/**
 * Sluice's runtime for the Kafka Connect API ({@code connect-api}): {@code plugins} finds and isolates connector
 * jars, {@code worker} runs connectors and their tasks, {@code herder} decides what runs (standalone mode),
 * {@code rest} serves Kafka Connect's REST API. It does not use Apache Kafka's {@code connect-runtime}.
 */
package io.sluice.connect;
