package io.backupkit.examples.demo;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The demo command: {@code java -jar backup-examples/target/backup-demo.jar [--port N] [--data DIR]
 * [--demo-password PW]}. Prints {@code Demo ready at http://127.0.0.1:PORT} and the demo logins;
 * Ctrl-C stops it cleanly.
 */
public final class DemoApp {

    private DemoApp() {
    }

    /** Runs the demo until the process is stopped. */
    public static void main(String[] args) throws Exception {
        DemoServer.Config defaults = DemoServer.Config.defaults();
        int port = defaults.port();
        Path data = defaults.dataDir();
        String password = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> port = parsePort(value(args, ++i, a));
                case "--data" -> data = Path.of(value(args, ++i, a));
                case "--demo-password" -> password = value(args, ++i, a);
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("unknown option: " + a);
                    usage();
                    System.exit(2);
                }
            }
        }
        DemoServer server = DemoServer.start(new DemoServer.Config(data, port, password, defaults.backupEvery(),
                defaults.liveEvery()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the demo...");
            server.close();
            stopped.countDown();
        }, "demo-shutdown"));
        String pw = server.passwordHint();
        System.out.println();
        System.out.println("Demo ready at http://127.0.0.1:" + server.port());
        System.out.println("  admin@demo.local     super_admin   password " + pw);
        System.out.println("  manager@demo.local   admin         password " + pw);
        System.out.println("  tech@demo.local      technician    password " + pw);
        System.out.println("Data (database, media, backups, keys, audit trail) in " + data.toAbsolutePath() + ". Ctrl-C stops.");
        stopped.await();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println(option + " needs a value");
            usage();
            System.exit(2);
        }
        return args[i];
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            System.err.println("--port must be a number from 0 to 65535, not " + s);
            usage();
            System.exit(2);
            return -1;
        }
    }

    private static void usage() {
        System.err.println("usage: java -jar backup-demo.jar [--port N (7070)] [--data DIR (./demo-data)] "
                + "[--demo-password PW]");
    }
}
