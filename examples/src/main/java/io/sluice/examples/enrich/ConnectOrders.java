package io.sluice.examples.enrich;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Orders as Kafka Connect records (what the JDBC source writes from an {@code orders} table): structs with a
 * {@code quantity} and a {@code unit_price} field (names matched ignoring case, so H2's upper-case columns work too),
 * read and written with a Connect {@link Converter} such as JsonConverter or Sluice's AvroConverter. The enriched
 * order is the same struct plus {@code total = quantity * unit_price}, a Decimal of the price's scale when the price
 * is a Decimal, a float64 when either is floating point, else an int64.
 */
public final class ConnectOrders implements OrderFormat {
    static final String QUANTITY = "quantity";
    static final String UNIT_PRICE = "unit_price";
    static final String TOTAL = "total";

    private final Converter converter;
    private final String outputTopic;
    /** The JDBC source hands out one schema object per table shape, so identity is the cheap, right cache key. */
    private final Map<Schema, Schema> enrichedSchemas = new IdentityHashMap<>();

    public ConnectOrders(Converter converter, String outputTopic) {
        this.converter = converter;
        this.outputTopic = outputTopic;
    }

    /** A value converter of class {@code converterClass} configured with {@code config}. */
    public static ConnectOrders using(String converterClass, Map<String, String> config, String outputTopic) {
        Converter converter;
        try {
            converter = (Converter) Class.forName(converterClass).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("Cannot create converter " + converterClass + ": " + e, e);
        }
        converter.configure(config, false);
        return new ConnectOrders(converter, outputTopic);
    }

    @Override
    public byte[] enrich(ConsumerRecord<byte[], byte[]> order) {
        SchemaAndValue in = converter.toConnectData(order.topic(), order.value());
        if (in.value() == null) {
            return null; // a tombstone stays a tombstone
        }
        if (!(in.value() instanceof Struct struct)) {
            throw new DataException("An order must be a struct, got " + in.value().getClass().getSimpleName());
        }
        Schema schema = enrichedSchemas.computeIfAbsent(struct.schema(), ConnectOrders::enrichedSchema);
        Struct out = new Struct(schema);
        for (Field field : struct.schema().fields()) {
            out.put(field.name(), struct.get(field));
        }
        Field total = schema.fields().get(schema.fields().size() - 1);
        out.put(total, total(struct, total.schema()));
        return converter.fromConnectData(outputTopic, schema, out);
    }

    static Schema enrichedSchema(Schema order) {
        Field quantity = field(order, QUANTITY);
        Field price = field(order, UNIT_PRICE);
        SchemaBuilder builder = SchemaBuilder.struct().name(order.name() == null ? null : order.name() + "_enriched");
        for (Field field : order.fields()) {
            builder.field(field.name(), field.schema());
        }
        boolean upperCase = quantity.name().equals(quantity.name().toUpperCase(Locale.ROOT));
        SchemaBuilder total = Decimal.LOGICAL_NAME.equals(price.schema().name())
                ? Decimal.builder(Integer.parseInt(price.schema().parameters().get(Decimal.SCALE_FIELD)))
                : isFloating(price.schema()) || isFloating(quantity.schema()) ? SchemaBuilder.float64()
                : SchemaBuilder.int64();
        if (quantity.schema().isOptional() || price.schema().isOptional()) {
            total.optional();
        }
        builder.field(upperCase ? TOTAL.toUpperCase(Locale.ROOT) : TOTAL, total.build());
        return builder.build();
    }

    private static Object total(Struct order, Schema totalSchema) {
        Object quantity = order.get(field(order.schema(), QUANTITY));
        Object price = order.get(field(order.schema(), UNIT_PRICE));
        if (quantity == null || price == null) {
            return null;
        }
        BigDecimal total = decimal(quantity).multiply(decimal(price));
        if (Decimal.LOGICAL_NAME.equals(totalSchema.name())) {
            return total.setScale(((BigDecimal) price).scale(), RoundingMode.HALF_EVEN);
        }
        return totalSchema.type() == Schema.Type.FLOAT64 ? (Object) total.doubleValue() : (Object) total.longValueExact();
    }

    private static boolean isFloating(Schema schema) {
        return schema.type() == Schema.Type.FLOAT32 || schema.type() == Schema.Type.FLOAT64;
    }

    private static BigDecimal decimal(Object number) {
        if (number instanceof BigDecimal d) {
            return d;
        }
        if (number instanceof Double || number instanceof Float) {
            return BigDecimal.valueOf(((Number) number).doubleValue());
        }
        if (number instanceof Number n) {
            return BigDecimal.valueOf(n.longValue());
        }
        throw new DataException("Expected a number, got " + number.getClass().getSimpleName());
    }

    private static Field field(Schema schema, String name) {
        for (Field field : schema.fields()) {
            if (field.name().equalsIgnoreCase(name)) {
                return field;
            }
        }
        throw new DataException("An order needs a '" + name + "' field; it has " + schema.fields().stream()
                .map(Field::name).toList());
    }
}
