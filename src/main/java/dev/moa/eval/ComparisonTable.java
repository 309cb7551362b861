package dev.moa.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The full world's table (issue 11): MoA beside trained alternatives and the prior on the same cases, each figure
 * with its 95 % interval over identities, and the gates that compare them.
 */
public final class ComparisonTable {
    /** What a column is: MoA (the spec), the ablation without router loss, the personalized-only model. */
    public enum Role { MOA, NO_ROUTER_LOSS, PERSONAL_ONLY, OTHER }

    /** One evaluated model. */
    public record Column(String name, Role role, Evaluation.Report report) {}

    private static final List<String> ROWS = List.of("colour error, MoA", "class correct, MoA", "pattern correct, MoA",
            "subject found, MoA", "background change", "router inside / outside, MoA",
            "swap: background change between references", "two subjects: colour error, MoA", "two subjects: binding, MoA",
            "two subjects: leak, MoA", "two subjects: class correct, MoA", "two subjects: both found, MoA",
            "two subjects: both found and bound, MoA",
            "two subjects: background change", Evaluation.MORPH_RHO_A, Evaluation.MORPH_RHO_B);

    private ComparisonTable() {}

    /** The table (markdown): one row per figure, one column per model, then the prior's and the ceiling's. */
    public static String render(List<Column> columns) {
        Evaluation.Report first = columns.get(0).report();
        StringBuilder sb = new StringBuilder("| figure |");
        StringBuilder rule = new StringBuilder("| --- |");
        for (Column c : columns) {
            sb.append(' ').append(c.name()).append(" |");
            rule.append(" --- |");
        }
        sb.append(" prior | ceiling |\n").append(rule).append(" --- | --- |\n");
        for (String row : ROWS) {
            if (columns.stream().allMatch(c -> c.report().get(row) == null)) {
                continue;
            }
            sb.append("| ").append(row.replace(", MoA", "")).append(" |");
            for (Column c : columns) {
                sb.append(' ').append(cell(c.report().get(row))).append(" |");
            }
            String priorName = row.endsWith(", MoA") ? row.replace(", MoA", ", prior") : null;
            sb.append(' ').append(priorName == null ? "" : cell(first.get(priorName))).append(" |");
            String ceiling = switch (row) {
                case "colour error, MoA" -> Evaluation.CEILING_COLOUR;
                case "class correct, MoA" -> "ceiling: class correct";
                case "pattern correct, MoA" -> "ceiling: pattern correct";
                default -> null;
            };
            sb.append(' ').append(ceiling == null ? "" : cell(first.get(ceiling))).append(" |\n");
        }
        return sb.toString();
    }

    /** The gates, as a markdown table; a gate whose columns are missing is reported as not measured. */
    public static String gates(List<Column> columns) {
        Evaluation.Report moa = find(columns, Role.MOA);
        Evaluation.Report noRouter = find(columns, Role.NO_ROUTER_LOSS);
        Evaluation.Report personal = find(columns, Role.PERSONAL_ONLY);
        List<String> lines = new ArrayList<>();
        double cm = mean(moa, "colour error, MoA");
        lines.add(gate("MoA colour error / prior's", cm / mean(moa, "colour error, prior"), "<= 0.5", v -> v <= 0.5));
        lines.add(gate("MoA colour error / personalized-only's", cm / mean(personal, "colour error, MoA"), "<= 1.25",
                v -> v <= 1.25));
        double bg = mean(moa, "background change");
        lines.add(gate("MoA background change / no-router-loss model's", bg / mean(noRouter, "background change"), "<= 0.5",
                v -> v <= 0.5));
        lines.add(gate("MoA background change / personalized-only's", bg / mean(personal, "background change"), "<= 0.5",
                v -> v <= 0.5));
        lines.add(gate("two-subject binding accuracy", mean(moa, "two subjects: binding, MoA"), ">= 0.9", v -> v >= 0.9));
        lines.add(gate("morph: rho(frame, distance to A)", mean(moa, Evaluation.MORPH_RHO_A), ">= 0.9", v -> v >= 0.9));
        lines.add(gate("morph: rho(frame, distance to B)", mean(moa, Evaluation.MORPH_RHO_B), "<= -0.9", v -> v <= -0.9));
        lines.add(gate("router inside / outside", mean(moa, "router inside / outside, MoA"), ">= 5", v -> v >= 5));
        StringBuilder sb = new StringBuilder("| gate | value | goal | |\n| --- | --- | --- | --- |\n");
        lines.forEach(sb::append);
        return sb.toString();
    }

    private static Evaluation.Report find(List<Column> columns, Role role) {
        return columns.stream().filter(c -> c.role() == role).map(Column::report).findFirst().orElse(null);
    }

    private static double mean(Evaluation.Report r, String figure) {
        Figure f = r == null ? null : r.get(figure);
        return f == null ? Double.NaN : f.mean();
    }

    private static String gate(String name, double v, String goal, java.util.function.DoublePredicate pass) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", name, Double.isNaN(v) ? "not measured"
                : String.format(Locale.ROOT, "%.3f", v), goal, Double.isNaN(v) ? "" : pass.test(v) ? "pass" : "FAIL");
    }

    /** "0.431 (0.38-0.49)", or blank for a figure not measured. */
    static String cell(Figure f) {
        if (f == null || f.images() == 0) {
            return "";
        }
        int digits = Math.abs(f.mean()) >= 10 ? 1 : 3;
        String fmt = "%." + digits + "f (%." + digits + "f-%." + digits + "f)";
        return String.format(Locale.ROOT, fmt, f.mean(), f.low(), f.high());
    }
}
