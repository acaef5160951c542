package io.sluice.jdbc.source;

import java.util.Arrays;
import java.util.List;

/** Confluent's {@code numeric.mapping}: how NUMERIC/DECIMAL columns become Connect types. */
public enum NumericMapping {
    /** Always {@code Decimal}, exact. */
    NONE("none"),
    /** Integral types for scale 0 and a precision that fits; {@code Decimal} otherwise. */
    PRECISION_ONLY("precision_only"),
    /** As precision_only, plus FLOAT64 for a scale above 0 and a precision below 19. */
    BEST_FIT("best_fit"),
    /** As precision_only, plus FLOAT64 for every scale above 0. */
    BEST_FIT_EAGER_DOUBLE("best_fit_eager_double");

    private final String configValue;

    NumericMapping(String configValue) {
        this.configValue = configValue;
    }

    public String configValue() {
        return configValue;
    }

    public static List<String> configValues() {
        return Arrays.stream(values()).map(NumericMapping::configValue).toList();
    }

    public static NumericMapping of(String configValue) {
        for (NumericMapping mapping : values()) {
            if (mapping.configValue.equalsIgnoreCase(configValue.trim())) {
                return mapping;
            }
        }
        throw new IllegalArgumentException("Unknown numeric.mapping " + configValue + "; expected one of "
                + configValues());
    }
}
