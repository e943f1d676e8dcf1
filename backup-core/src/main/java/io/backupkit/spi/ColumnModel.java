package io.backupkit.spi;

import java.util.Objects;

/**
 * A column that backups write: generated and hidden columns are not listed.
 *
 * @param name         the column name as the database spells it
 * @param declaredType the declared type, empty when the column has none
 */
public record ColumnModel(String name, String declaredType) {
    public ColumnModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(declaredType, "declaredType");
    }
}
