package io.backupkit.spi;

import java.time.Duration;

/**
 * Holds the application's database writes for the moment a restore swaps the database, so that
 * writes wait and then succeed instead of failing or landing in the old database.
 *
 * <p>{@code HikariWriteGate} suspends a HikariCP pool (with {@code allowPoolSuspension}); an
 * application with another pool implements these two methods.
 */
public interface WriteGate {

    /**
     * Stops handing out connections and waits until every borrowed connection is back, then closes
     * the pool's idle connections so that none keeps the old database open.
     *
     * @param maxWait the longest to wait for in-flight work
     * @throws java.util.concurrent.TimeoutException when connections are still in use after {@code maxWait};
     *                                               the gate is then open again
     */
    void close(Duration maxWait) throws Exception;

    /** Lets connections be handed out again. */
    void open();

    /** A gate that does nothing: for a database nothing else uses, such as the CLI with the app stopped. */
    static WriteGate none() {
        return new WriteGate() {
            @Override
            public void close(Duration maxWait) {
            }

            @Override
            public void open() {
            }

            @Override
            public String toString() {
                return "WriteGate.none()";
            }
        };
    }
}
