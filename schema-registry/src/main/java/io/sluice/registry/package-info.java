/**
 * Sluice's Avro schema registry: a drop-in for Confluent Schema Registry's REST API v1, its Java client and
 * its Kafka serde wire format (magic byte 0, 4-byte big-endian schema id, Avro binary).
 *
 * <p>Layout: {@code schema} (parsing, canonical form, compatibility), {@code store} (the compacted
 * {@code _schemas} topic, kept by runtime's {@code TopicStore}, and the in-memory view rebuilt from it; one
 * leader per cluster comes from runtime's {@code LeaderElection}), {@code api} (REST routes, errors, forwarding to the leader),
 * {@code client} and {@code serde} (what producers and consumers use), {@code cli} ({@code sluice registry}).
 */
package io.sluice.registry;
