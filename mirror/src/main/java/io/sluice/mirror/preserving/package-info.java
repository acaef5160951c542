/**
 * Offset-preserving mirror topics (beyond MirrorMaker 2): a topic on a Sluice target whose partitions follow a
 * source topic's like replicas, every record at the source's offset, read-only until promoted. The target's
 * brokers do the copying (topic configs {@code sluice.mirror.source.*}); this package creates such topics with the
 * source's partition count and configs, and promotes them.
 */
package io.sluice.mirror.preserving;
