package io.backupkit.internal;

import io.backupkit.BackupException;
import io.backupkit.RedactionRules;
import io.backupkit.spi.Redactor;
import io.backupkit.spi.SchemaModel;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.TableModel;
import java.util.List;
import java.util.Map;

/**
 * Redaction rules checked against the schema of one snapshot. A rule naming a table or column
 * that does not exist fails the backup: a misspelt rule would otherwise silently leak the data
 * it was written to hide.
 */
final class RedactionPlan {

    private final RedactionRules rules;

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
        return new RedactionPlan(rules);
    }

    private static TableModel requireTable(SchemaModel schema, String table) {
        TableModel model = schema.table(table);
        if (model == null) {
            throw new BackupException("redaction rule names table '" + table + "', which the database does not have");
        }
        return model;
    }

    boolean excludes(String table) {
        return rules.excludes(table);
    }

    /** Statements minus those belonging to excluded tables. */
    List<SchemaStatement> keep(List<SchemaStatement> statements) {
        return statements.stream().filter(s -> s.table() == null || !rules.excludes(s.table())).toList();
    }

    /** One redactor per column index, null where the column is written as it is. */
    Redactor[] redactorsFor(TableModel table) {
        Redactor[] redactors = new Redactor[table.columns().size()];
        for (Map.Entry<String, Redactor> e : rules.columnRedactors(table.name()).entrySet()) {
            redactors[table.columnIndex(e.getKey())] = e.getValue();
        }
        return redactors;
    }
}
