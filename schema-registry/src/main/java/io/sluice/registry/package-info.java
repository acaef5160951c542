/**
 * Sluice's Avro schema registry: a drop-in for Confluent Schema Registry's REST API v1, its Java client and
 * its Kafka serde wire format (magic byte 0, 4-byte big-endian schema id, Avro binary).
 *
 * <p>Layout: {@code schema} (parsing, canonical form, compatibility), {@code store} (the compacted
 * {@code _schemas} topic and the in-memory view rebuilt from it), {@code election} (one leader per cluster
 * through the Kafka classic group protocol), {@code api} (REST routes, errors, forwarding to the leader),
 * {@code client} and {@code serde} (what producers and consumers use), {@code cli} ({@code sluice registry}).
 */
package io.sluice.registry;
