package io.backupkit.spi;

/**
 * Rewrites one column's value as rows stream into a backup, for example to mask personal data.
 *
 * <p>Values are {@code null}, {@link Long}, {@link Double}, {@link String} or {@code byte[]}; return
 * one of those. A redactor must be thread-safe and deterministic if joins on the column should
 * still match.
 *
 * <pre>{@code
 * Redactor lastFour = (table, column, value) ->
 *     value == null ? null : "****" + value.toString().substring(value.toString().length() - 4);
 * }</pre>
 */
@FunctionalInterface
public interface Redactor {

    /** Returns the value to write instead of {@code value}. */
    Object redact(String table, String column, Object value);
}
