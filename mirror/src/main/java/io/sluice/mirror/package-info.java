/**
 * Cross-cluster mirroring with MirrorMaker 2's configuration names and record formats (offset syncs, checkpoints,
 * heartbeats), running on Sluice's connector runtime; exactly-once and exact offset translation by default.
 */
package io.sluice.mirror;
