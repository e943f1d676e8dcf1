package io.backupkit.spi;

import java.util.Objects;

/**
 * One schema statement, in the database's own SQL text, without a trailing semicolon.
 *
 * <p>Statements say which table they belong to so that a table left out of a backup takes its
 * indexes, triggers and counters with it.
 *
 * @param type  what the statement creates or sets
 * @param name  the object's name (for a setting, the setting's name)
 * @param table the table it belongs to, or {@code null} when it belongs to none (views, settings)
 * @param sql   the statement
 */
public record SchemaStatement(Type type, String name, String table, String sql) {

    /** What a statement creates or sets. */
    public enum Type {
        /** CREATE TABLE or CREATE VIRTUAL TABLE. */
        TABLE,
        /** CREATE INDEX. */
        INDEX,
        /** CREATE VIEW. */
        VIEW,
        /** CREATE TRIGGER. */
        TRIGGER,
        /** Restores a counter such as an AUTOINCREMENT sequence. */
        SEQUENCE,
        /** Restores a database setting such as {@code user_version}. */
        SETTING,
        /** Creates a user-defined type, such as a PostgreSQL enum or domain. */
        TYPE,
        /** Adds a constraint to an existing table, such as a PostgreSQL primary or foreign key added after the data. */
        CONSTRAINT,
        /** Attaches a comment to an object. */
        COMMENT
    }

    public SchemaStatement {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sql, "sql");
    }
}
