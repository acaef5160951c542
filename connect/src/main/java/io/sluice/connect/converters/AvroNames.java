package io.sluice.connect.converters;

import java.util.regex.Pattern;

/**
 * The Avro schema properties and names Confluent's Avro converter writes to keep what Avro cannot say about a Connect
 * schema (its name, version, doc, parameters, 8- and 16-bit integers, maps with non-string keys). Using the same
 * ones is what lets Confluent's converter read records Sluice's wrote and the other way round.
 */
final class AvroNames {
    static final String NAMESPACE = "io.confluent.connect.avro";
    /** Avro records need a name; a Connect struct without one gets this (then ConnectDefault2, 3, ... if nested). */
    static final String DEFAULT_RECORD_NAME = "ConnectDefault";
    static final Pattern DEFAULT_RECORD_FULL_NAME = Pattern.compile(Pattern.quote(NAMESPACE + "." + DEFAULT_RECORD_NAME)
            + "\\d*");
    static final String MAP_ENTRY = "MapEntry";
    static final String KEY_FIELD = "key";
    static final String VALUE_FIELD = "value";

    static final String CONNECT_NAME = "connect.name";
    static final String CONNECT_DOC = "connect.doc";
    static final String CONNECT_VERSION = "connect.version";
    static final String CONNECT_PARAMETERS = "connect.parameters";
    static final String CONNECT_DEFAULT = "connect.default";
    static final String CONNECT_TYPE = "connect.type";
    static final String CONNECT_INTERNAL_TYPE = "connect.internal.type";
    static final String INT8 = "int8";
    static final String INT16 = "int16";

    static final String LOGICAL_TYPE = "logicalType";
    static final String DECIMAL_PRECISION = "connect.decimal.precision";
    static final int DEFAULT_DECIMAL_PRECISION = 64;
    static final String FIXED_SIZE = "connect.fixed.size";

    /** A Connect struct standing for an Avro union of several non-null types: one optional field per branch. */
    static final String UNION = NAMESPACE + ".Union";
    /** Parameter naming the Avro enum a Connect string came from; each symbol is a parameter {@code ENUM.symbol}. */
    static final String ENUM = NAMESPACE + ".Enum";

    private AvroNames() {
    }
}
