package dev.moa.cli;

/** {@link CliRunner} for tests outside the cli package. */
public final class CliAccess {
    private CliAccess() {}

    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    public static Result run(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        return new Result(r.code(), r.out(), r.err());
    }
}
