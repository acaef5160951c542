package io.sluice.connect.errors;

import java.util.Locale;

/** {@code errors.tolerance}: NONE fails the task on the first record error, ALL skips (and reports) every one. */
public enum ToleranceType {
    NONE, ALL;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
