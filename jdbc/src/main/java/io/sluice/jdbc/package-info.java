/**
 * JDBC source and sink connectors written against {@code connect-api} only, so they run on Sluice's runtime and on
 * Apache Kafka Connect alike. Config names are those of Confluent's JDBC connector.
 */
package io.sluice.jdbc;
