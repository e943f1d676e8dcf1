package io.backupkit.internal;

import io.backupkit.BackupException;
import io.backupkit.RedactionRecord;
import io.backupkit.RedactionRules;
import io.backupkit.spi.ColumnModel;
import io.backupkit.spi.Redactor;
import io.backupkit.spi.SchemaModel;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.TableModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Redaction rules checked against the schema of one snapshot. A rule naming a table or column
 * that does not exist fails the backup: a misspelt rule would otherwise silently leak the data
 * it was written to hide. Secret patterns and column-name patterns are resolved here, once per
 * backup, into the exact tables and columns they match, which the manifest records.
 */
final class RedactionPlan {

    /** The action recorded for a column whose values a secret pattern removed. */
    static final String SECRET = "secret";
    /** The action recorded for a table a secret pattern left out. */
    static final String SECRET_TABLE = "secret-table";

    private final RedactionRules rules;
    private final Set<String> excluded = new HashSet<>();
    private final Map<String, Map<String, Redactor>> columns = new LinkedHashMap<>();
    private final List<RedactionRecord> records = new ArrayList<>();
    /** Numbers the secret placeholders, so that each is unique within a backup (UNIQUE columns load). */
    private final AtomicLong placeholders = new AtomicLong();

    private RedactionPlan(RedactionRules rules) {
        this.rules = rules;
    }

    static RedactionPlan of(RedactionRules rules, SchemaModel schema) {
        for (String table : rules.excludedTables()) {
            requireTable(schema, table);
        }
        for (String table : rules.tablesWithColumnRules()) {
            TableModel model = requireTable(schema, table);
            for (String column : rules.columnsWithRules(table)) {
                if (model.columnIndex(column) < 0) {
                    throw new BackupException("redaction rule names column '" + column + "' of table '" + table
                            + "', which has no such column (columns: "
                            + model.columns().stream().map(c -> c.name()).toList() + ")");
                }
            }
        }
        RedactionPlan plan = new RedactionPlan(rules);
        plan.resolve(schema);
        return plan;
    }

    private void resolve(SchemaModel schema) {
        List<RedactionRecord> explicit = rules.records();
        records.addAll(explicit);
        excluded.addAll(rules.excludedTables());
        for (TableModel table : schema.tables()) {
            String name = table.name();
            if (excluded.contains(name)) {
                continue;
            }
            if (rules.tablesWithColumnRules().contains(name)) {
                // explicit column rules mean the host wants this table; patterns still fill the other columns
            } else if (rules.isSecret(name)) {
                excluded.add(name);
                records.add(new RedactionRecord(name, null, SECRET_TABLE));
                continue;
            }
            Map<String, Redactor> byColumn = new LinkedHashMap<>(rules.columnRedactors(name));
            for (ColumnModel column : table.columns()) {
                if (byColumn.containsKey(column.name())) {
                    continue;
                }
                if (rules.isSecret(column.name())) {
                    byColumn.put(column.name(), secretPlaceholder(column));
                    records.add(new RedactionRecord(name, column.name(), SECRET));
                } else if (rules.patternRedactor(column.name()) != null) {
                    byColumn.put(column.name(), rules.patternRedactor(column.name()));
                    records.add(new RedactionRecord(name, column.name(), rules.patternAction(column.name())));
                }
            }
            if (!byColumn.isEmpty()) {
                columns.put(name, byColumn);
            }
        }
    }

    /**
     * NULL stays NULL; any other value becomes a number (numeric declared types) or a text or blob
     * {@code redacted-N}, unique within the backup, so NOT NULL, UNIQUE and STRICT columns load.
     */
    private Redactor secretPlaceholder(ColumnModel column) {
        String type = column.declaredType().toUpperCase(Locale.ROOT);
        boolean integer = type.contains("INT");
        boolean real = !integer && (type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB"));
        boolean blob = type.contains("BLOB");
        return (table, col, value) -> {
            if (value == null) {
                return null;
            }
            long n = placeholders.incrementAndGet();
            if (integer) {
                return n;
            }
            if (real) {
                return (double) n;
            }
            String text = "redacted-" + n;
            return blob ? text.getBytes(StandardCharsets.US_ASCII) : text;
        };
    }

    private static TableModel requireTable(SchemaModel schema, String table) {
        TableModel model = schema.table(table);
        if (model == null) {
            throw new BackupException("redaction rule names table '" + table + "', which the database does not have");
        }
        return model;
    }

    boolean excludes(String table) {
        return excluded.contains(table);
    }

    /** What this backup redacts, for the manifest: explicit rules, then pattern matches in schema order. */
    List<RedactionRecord> records() {
        return List.copyOf(records);
    }

    /** Statements minus those belonging to excluded tables. */
    List<SchemaStatement> keep(List<SchemaStatement> statements) {
        return statements.stream().filter(s -> s.table() == null || !excluded.contains(s.table())).toList();
    }

    /** One redactor per column index, null where the column is written as it is. */
    Redactor[] redactorsFor(TableModel table) {
        Redactor[] redactors = new Redactor[table.columns().size()];
        for (Map.Entry<String, Redactor> e : columns.getOrDefault(table.name(), Map.of()).entrySet()) {
            redactors[table.columnIndex(e.getKey())] = e.getValue();
        }
        return redactors;
    }
}
