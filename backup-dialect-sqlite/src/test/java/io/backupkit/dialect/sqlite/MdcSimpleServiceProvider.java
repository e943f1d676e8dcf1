package io.backupkit.dialect.sqlite;

import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;

/**
 * slf4j-simple with a working MDC (slf4j-simple's own discards it), so that tests can see what a
 * real logging backend (Logback, Log4j) would print with {@code %X{backupkit.backup}}. Found before
 * slf4j-simple's provider because test classes come first on the test class path.
 */
public final class MdcSimpleServiceProvider extends SimpleServiceProvider {

    private final MDCAdapter mdc = new BasicMDCAdapter();

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }
}
