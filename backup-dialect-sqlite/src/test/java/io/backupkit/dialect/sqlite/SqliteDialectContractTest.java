package io.backupkit.dialect.sqlite;

import io.backupkit.spi.Dialect;
import io.backupkit.spi.DialectContractTest;
import java.util.List;
import javax.sql.DataSource;
import org.sqlite.SQLiteDataSource;

/** The shared dialect contract, on a real SQLite file in WAL mode. */
class SqliteDialectContractTest extends DialectContractTest {

    @Override
    protected Dialect dialect() {
        return new SqliteDialect();
    }

    @Override
    protected DataSource emptyDatabase() throws Exception {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + folder.resolve("live.db"));
        try (var c = ds.getConnection(); var s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
        }
        return ds;
    }

    @Override
    protected List<String> fixtureDdl() {
        return List.of("CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)",
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), note TEXT)",
                "CREATE INDEX child_parent ON child(parent_id)");
    }
}
