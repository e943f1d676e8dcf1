package io.backupkit;

import java.nio.file.Path;
import java.time.Instant;

/** Run in a child JVM by {@link JsonLinesAuditSinkTest}: appends N records to a trail. */
public final class AuditAppenderMain {

    private AuditAppenderMain() {
    }

    public static void main(String[] args) {
        JsonLinesAuditSink sink = JsonLinesAuditSink.at(Path.of(args[0]));
        int n = Integer.parseInt(args[1]);
        for (int i = 0; i < n; i++) {
            sink.append(JsonLinesAuditSinkTest.record(i));
        }
        System.out.println("appended " + n + " at " + Instant.now());
    }
}
