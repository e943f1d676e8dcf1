package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.UnsupportedDatabaseException;
import io.backupkit.spi.Store;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Choosing the dialect: explicit registration wins; ServiceLoader discovery is a convenience that
 * refuses to guess when no dialect or several dialects claim the database.
 */
class DialectDiscoveryTest {

    @TempDir
    Path dir;

    private Path db;
    private Store store;

    @BeforeEach
    void database() throws Exception {
        db = dir.resolve("app.db");
        FaultTestKit.exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'one')");
        store = LocalFolderStore.at(dir.resolve("store"));
    }

    @Test
    void withoutADialectTheSqliteDialectIsDiscoveredFromTheConnection() {
        BackupService service = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(store)
                .build();

        assertThat(service.dialect()).isInstanceOf(SqliteDialect.class);
        assertThat(service.dialect().name()).isEqualTo("sqlite");
        assertThat(service.backup().source().dialect()).isEqualTo("sqlite");
    }

    @Test
    void twoDiscoveredDialectsClaimingTheDatabaseAreAnErrorNamingBoth() throws Exception {
        try (URLClassLoader loader = loaderRegistering(SqliteDialect.class.getName(), AlsoSqliteDialect.class.getName())) {
            assertThatThrownBy(() -> BackupService.builder()
                    .dataSource(FaultTestKit.dataSource(db))
                    .store(store)
                    .classLoader(loader)
                    .build())
                    .isInstanceOf(UnsupportedDatabaseException.class)
                    .hasMessageContaining("several")
                    .hasMessageContaining("SQLite")
                    .hasMessageContaining(SqliteDialect.class.getName())
                    .hasMessageContaining(AlsoSqliteDialect.class.getName())
                    .hasMessageContaining("also-sqlite")
                    .hasMessageContaining(".dialect(");
        }
    }

    @Test
    void anExplicitDialectWinsOverSeveralDiscoveredOnes() throws Exception {
        SqliteDialect explicit = new SqliteDialect();
        try (URLClassLoader loader = loaderRegistering(SqliteDialect.class.getName(), AlsoSqliteDialect.class.getName())) {
            BackupService service = BackupService.builder()
                    .dataSource(FaultTestKit.dataSource(db))
                    .dialect(explicit)
                    .store(store)
                    .classLoader(loader)
                    .build();

            assertThat(service.dialect()).isSameAs(explicit);
            assertThat(service.backup().totalRows()).isEqualTo(1);
        }
    }

    @Test
    void aDatabaseNoDialectSupportsIsAnErrorNamingTheCandidates() {
        DataSource oracle = fakeDatabase("Oracle", "jdbc:oracle:thin:@//db.example:1521/APP", new AtomicInteger());

        assertThatThrownBy(() -> BackupService.builder().dataSource(oracle).store(store).build())
                .isInstanceOf(UnsupportedDatabaseException.class)
                .hasMessageContaining("Oracle")
                .hasMessageContaining("sqlite")
                .hasMessageContaining(SqliteDialect.class.getName())
                .hasMessageContaining("backup-dialect-");
    }

    @Test
    void anExplicitDialectIsUsedWithoutAskingTheDatabase() {
        AtomicInteger connections = new AtomicInteger();
        DataSource oracle = fakeDatabase("Oracle", "jdbc:oracle:thin:@//db.example:1521/APP", connections);
        SqliteDialect explicit = new SqliteDialect();

        BackupService service = BackupService.builder().dataSource(oracle).dialect(explicit).store(store).build();

        assertThat(service.dialect()).isSameAs(explicit);
        assertThat(connections).as("connections opened to choose a dialect").hasValue(0);
    }

    @Test
    void theUnsupportedDatabaseErrorNeverShowsCredentialsFromTheUrl() {
        for (String url : new String[] {
                "jdbc:postgresql://alice:s3cret@db.example:5432/app?sslmode=require",
                "jdbc:postgresql://db.example/app?user=alice&password=s3cret",
                "jdbc:sqlserver://db.example:1433;databaseName=app;user=alice;password=s3cret",
                "jdbc:mysql://alice:s3cret@db.example/app",
                "jdbc:oracle:thin:alice/s3cret@//db.example:1521/APP",
                "jdbc:oracle:thin:alice/s3cret@db.example:1521:APP"}) {
            DataSource database = fakeDatabase("Unknown DB", url, new AtomicInteger());

            assertThatThrownBy(() -> BackupService.builder().dataSource(database).store(store).build())
                    .as(url)
                    .isInstanceOf(UnsupportedDatabaseException.class)
                    .hasMessageContaining("db.example")
                    .hasMessageNotContaining("s3cret");
        }
    }

    @Test
    void theBuilderSaysWhatIsMissingAndRefusesSettingsGivenTwice() {
        assertThatThrownBy(() -> BackupService.builder().store(store).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dataSource is required")
                .hasMessageContaining(".dataSource(");
        assertThatThrownBy(() -> BackupService.builder().dataSource(FaultTestKit.dataSource(db)).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store is required")
                .hasMessageContaining("LocalFolderStore.at(");
        assertThatThrownBy(() -> BackupService.builder().store(store).store(store))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("store was already set");
        assertThatThrownBy(() -> BackupService.builder().dialect(new SqliteDialect()).dialect(new SqliteDialect()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dialect was already set");
        assertThatThrownBy(() -> BackupService.builder().dataSource(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("dataSource");
    }

    /** A class loader that adds a services file registering the given dialects. */
    private URLClassLoader loaderRegistering(String... dialects) throws Exception {
        Path root = Files.createDirectories(dir.resolve("plugins"));
        Path services = Files.createDirectories(root.resolve("META-INF/services"));
        Files.writeString(services.resolve("io.backupkit.spi.Dialect"), String.join("\n", dialects) + "\n");
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, DialectDiscoveryTest.class.getClassLoader());
    }

    /** A data source whose connections only describe a database, counting how often one is opened. */
    private static DataSource fakeDatabase(String product, String url, AtomicInteger connections) {
        DatabaseMetaData metaData = (DatabaseMetaData) Proxy.newProxyInstance(DialectDiscoveryTest.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getDatabaseProductName" -> product;
                    case "getDatabaseProductVersion" -> "23.4";
                    case "getURL" -> url;
                    case "getUserName" -> "alice";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Connection connection = (Connection) Proxy.newProxyInstance(DialectDiscoveryTest.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getMetaData" -> metaData;
                    case "close" -> null;
                    case "isClosed" -> false;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (DataSource) Proxy.newProxyInstance(DialectDiscoveryTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getConnection" -> {
                        connections.incrementAndGet();
                        yield connection;
                    }
                    case "toString" -> "fake " + product + " data source";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
