package io.backupkit;

import io.backupkit.spi.SchemaStatement;
import java.util.Objects;

/**
 * One schema statement recorded in the manifest, so that a restore knows each statement's kind
 * and owner without splitting SQL text, and can check the schema entries against it.
 *
 * @param phase the entry kind it belongs to: {@code SCHEMA}, {@code POST_DATA} or {@code FINISH}
 * @param type  what it creates or sets
 * @param name  the object's name
 * @param table the table it belongs to, or {@code null}
 * @param sql   the statement, without a trailing semicolon
 */
public record SchemaObject(ManifestEntry.Kind phase, SchemaStatement.Type type, String name, String table, String sql) {
    public SchemaObject {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sql, "sql");
    }
}
