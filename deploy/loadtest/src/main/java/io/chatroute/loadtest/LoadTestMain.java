package io.chatroute.loadtest;

import java.nio.file.Path;

/**
 * {@code java -cp ... io.chatroute.loadtest.LoadTestMain [steady|burst|soak] [options]}: see {@link Options#usage()}
 * and deploy/loadtest/README.md. Exit code 0 when the verdict passes, 1 when it does not, 2 for a bad command
 * line or a set-up failure.
 */
public final class LoadTestMain {

    private LoadTestMain() {
    }

    public static void main(String[] args) {
        Path repo = Path.of(System.getProperty("chatroute.repo.root", ".")).toAbsolutePath().normalize();
        Options options;
        try {
            options = Options.parse(args, repo);
        } catch (Options.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.print(Options.usage());
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        int code;
        try {
            LoadTest.Result result = new LoadTest(options, line -> System.out.println("[loadtest] " + line)).run();
            code = result.pass() ? 0 : 1;
        } catch (Options.UsageException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        } catch (Exception e) {
            System.err.println("[loadtest] the run failed: " + e);
            e.printStackTrace(System.err);
            code = 2;
        }
        System.exit(code);
    }
}
