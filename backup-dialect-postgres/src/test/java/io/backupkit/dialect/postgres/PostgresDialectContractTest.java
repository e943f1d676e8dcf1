package io.backupkit.dialect.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.DialectContractTest;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;

/** The shared dialect contract, on a real PostgreSQL database. */
class PostgresDialectContractTest extends DialectContractTest {

    private HikariDataSource pool;

    @Override
    protected Dialect dialect() {
        return new PostgresDialect();
    }

    @Override
    protected DataSource emptyDatabase() {
        pool = PgTestServer.pool(PgTestServer.newDatabase("contract"));
        return pool;
    }

    @Override
    protected List<String> fixtureDdl() {
        return List.of("CREATE TABLE parent (id bigint PRIMARY KEY, name text, score double precision, data bytea)",
                "CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent (id), note text)",
                "CREATE INDEX child_parent ON child (parent_id)");
    }

    @AfterEach
    void closePool() {
        pool.close();
    }
}
