package io.backupkit.internal;

import io.backupkit.BackupException;
import io.backupkit.UnsupportedDatabaseException;
import io.backupkit.spi.DatabaseInfo;
import io.backupkit.spi.Dialect;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import javax.sql.DataSource;

/**
 * Chooses the dialect for a database. An explicitly registered dialect always wins; discovery
 * through {@link ServiceLoader} is a convenience and refuses to guess: no match and several
 * matches are both errors that name the candidates.
 */
public final class DialectResolver {

    private DialectResolver() {
    }

    /** Reads what the database says about itself. */
    public static DatabaseInfo describe(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData md = connection.getMetaData();
            return new DatabaseInfo(String.valueOf(md.getDatabaseProductName()),
                    String.valueOf(md.getDatabaseProductVersion()), stripCredentials(String.valueOf(md.getURL())));
        } catch (SQLException e) {
            throw new BackupException("could not connect to the database to choose a dialect: " + e.getMessage(), e);
        }
    }

    /** Every dialect visible to the class loader through ServiceLoader. */
    public static List<Dialect> discover(ClassLoader loader) {
        List<Dialect> dialects = new ArrayList<>();
        ServiceLoader.load(Dialect.class, loader).forEach(dialects::add);
        return dialects;
    }

    /** Picks the single candidate that supports the database. */
    public static Dialect choose(DatabaseInfo database, List<Dialect> candidates) {
        List<Dialect> matching = candidates.stream().filter(d -> d.supports(database)).toList();
        if (matching.size() == 1) {
            return matching.get(0);
        }
        String what = database.productName() + " " + database.productVersion() + " (" + database.url() + ")";
        if (matching.isEmpty()) {
            throw new UnsupportedDatabaseException("no backupkit dialect supports " + what + "; dialects found: "
                    + describe(candidates) + ". Add the matching backup-dialect-* module or register one with "
                    + "BackupService.builder().dialect(...)");
        }
        throw new UnsupportedDatabaseException("several backupkit dialects claim " + what + ": " + describe(matching)
                + ". Choose one with BackupService.builder().dialect(...)");
    }

    private static String describe(List<Dialect> dialects) {
        return dialects.stream().map(d -> d.name() + " (" + d.getClass().getName() + ")").toList().toString();
    }

    /** Removes passwords and keys from a JDBC URL so that it can be logged (see {@link io.backupkit.JdbcUrls}). */
    public static String stripCredentials(String url) {
        return io.backupkit.JdbcUrls.withoutPasswords(url);
    }
}
