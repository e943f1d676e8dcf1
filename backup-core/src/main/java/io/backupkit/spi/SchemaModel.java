package io.backupkit.spi;

import java.util.List;

/**
 * A database's schema as a backup writes it.
 *
 * <p>A plain-SQL load runs {@link #preData()}, then every table's rows, then {@link #postData()},
 * then {@link #finish()}. Indexes, views and triggers belong in post-data so that no trigger
 * fires while rows load and indexes are built once.
 *
 * @param tables   every table whose rows are written
 * @param preData  statements that create the tables, in the database's own text
 * @param postData statements that create indexes, views and triggers, in creation order
 * @param finish   statements that restore counters and database settings after the data
 */
public record SchemaModel(List<TableModel> tables, List<SchemaStatement> preData, List<SchemaStatement> postData,
                          List<SchemaStatement> finish) {
    public SchemaModel {
        tables = List.copyOf(tables);
        preData = List.copyOf(preData);
        postData = List.copyOf(postData);
        finish = List.copyOf(finish);
    }

    /** The table with this exact name, or null. */
    public TableModel table(String name) {
        for (TableModel t : tables) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
