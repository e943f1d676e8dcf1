package io.backupkit.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The smallest DataSource over a JDBC URL: a new connection per call, which is all a one-shot
 * command needs.
 */
final class JdbcUrlDataSource implements DataSource {

    private final String url;

    private JdbcUrlDataSource(String url) {
        this.url = url;
    }

    /**
     * A data source for the URL. A SQLite URL must name an existing file: the driver would
     * otherwise create an empty database and back that up.
     */
    static JdbcUrlDataSource of(String url) {
        return of(url, false);
    }

    /** A data source for the URL; with {@code mayNotExist}, a missing SQLite file is created (restore into a new file). */
    static JdbcUrlDataSource of(String url, boolean mayNotExist) {
        if (!url.startsWith("jdbc:")) {
            throw new IllegalArgumentException("--db must be a JDBC URL such as jdbc:sqlite:/path/app.db, not '"
                    + io.backupkit.JdbcUrls.withoutPasswords(url) + "'");
        }
        if (url.startsWith("jdbc:sqlite:")) {
            String path = url.substring("jdbc:sqlite:".length());
            int query = path.indexOf('?');
            if (query >= 0) {
                path = path.substring(0, query);
            }
            if (path.startsWith("file:")) {
                path = path.substring("file:".length());
            }
            if (!mayNotExist && !path.isEmpty() && !path.equals(":memory:") && !Files.isRegularFile(Path.of(path))) {
                throw new IllegalArgumentException("the SQLite database file " + Path.of(path).toAbsolutePath()
                        + " does not exist");
            }
        }
        return new JdbcUrlDataSource(url);
    }

    /** The URL without passwords or keys, for messages. */
    @Override
    public String toString() {
        return io.backupkit.JdbcUrls.withoutPasswords(url);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return DriverManager.getConnection(url, username, password);
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // not used
    }

    @Override
    public void setLoginTimeout(int seconds) {
        DriverManager.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() {
        return DriverManager.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
