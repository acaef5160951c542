package io.sluice.jdbc.sink;

/** What a row does to its table: the three of {@code insert.mode}, and delete for a tombstone. */
enum Operation { INSERT, UPSERT, UPDATE, DELETE }
