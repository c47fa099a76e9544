package io.strata.deploy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of the Grafana dashboard ({@code deploy/grafana/strata.json}) and of the alert rules
 * ({@code deploy/prometheus/strata-alerts.yaml}), and the metric names it reads: checked against
 * the server's sources by the deploy tests and against a real member's {@code /metrics} by the
 * e2e pod test.
 *
 * <p>Threading: stateless.
 */
public final class MetricReferences {
  private MetricReferences() {}

  /**
   * Series a member serves only in some states, so a scrape may lack them: the downgrade target
   * exists only while a downgrade is recorded.
   */
  public static final Set<String> STATE_DEPENDENT = Set.of("strata_downgrade_target_version");

  /** Series Prometheus itself makes for every target. */
  public static final Set<String> FROM_PROMETHEUS = Set.of("up");

  public static Path deployDirectory() {
    return Manifests.defaultDirectory().getParent();
  }

  public static Path dashboard() {
    return deployDirectory().resolve("grafana/strata.json");
  }

  public static Path alertRules() {
    return deployDirectory().resolve("prometheus/strata-alerts.yaml");
  }

  /** The expression of every query of every panel (rows included). */
  public static List<String> dashboardExpressions(Path dashboard) {
    try {
      JsonObject root = JsonParser.parseString(Files.readString(dashboard)).getAsJsonObject();
      List<String> expressions = new ArrayList<>();
      collectExpressions(root.getAsJsonArray("panels"), expressions);
      return expressions;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collectExpressions(Iterable<JsonElement> panels, List<String> out) {
    for (JsonElement element : panels) {
      JsonObject panel = element.getAsJsonObject();
      if (panel.has("targets")) {
        panel.getAsJsonArray("targets").forEach(t -> out.add(t.getAsJsonObject().get("expr").getAsString()));
      }
      if (panel.has("panels")) {
        collectExpressions(panel.getAsJsonArray("panels"), out);
      }
    }
  }

  /** Every rule of every group of a Prometheus rule file. */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> rules(Path ruleFile) {
    List<Map<String, Object>> rules = new ArrayList<>();
    for (Object group : (List<Object>) Manifests.readYaml(ruleFile).get(0).get("groups")) {
      rules.addAll((List<Map<String, Object>>) ((Map<String, Object>) group).get("rules"));
    }
    return rules;
  }

  /** Every metric the dashboard and the alert rules read. */
  public static Set<String> referenced() {
    Set<String> names = new LinkedHashSet<>();
    dashboardExpressions(dashboard()).forEach(e -> names.addAll(metricNames(e)));
    rules(alertRules()).forEach(r -> names.addAll(metricNames(String.valueOf(r.get("expr")))));
    return names;
  }

  private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
      "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2");

  /**
   * The metric names a PromQL expression reads: identifiers outside strings, label matchers,
   * ranges and grouping clauses that are neither functions (followed by "(") nor keywords.
   */
  public static Set<String> metricNames(String expression) {
    checkSyntax(expression);
    String text = STRINGS.matcher(expression).replaceAll("\"\"");
    text = text.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
    text = GROUPING.matcher(text).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(text);
    while (m.find()) {
      String name = m.group();
      boolean function = text.substring(m.end()).stripLeading().startsWith("(");
      boolean partOfNumber = m.start() > 0 && (Character.isDigit(text.charAt(m.start() - 1)) || text.charAt(m.start() - 1) == '.');
      if (!function && !partOfNumber && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        names.add(name);
      }
    }
    return names;
  }

  /** Brackets balance and nest outside string literals; throws with the position otherwise. */
  public static void checkSyntax(String expression) {
    String text = STRINGS.matcher(expression).replaceAll("\"\"");
    if (text.chars().filter(c -> c == '"').count() % 2 != 0 || text.contains("'")) {
      throw new IllegalArgumentException("unterminated string in: " + expression);
    }
    StringBuilder open = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '(', '[', '{' -> open.append(c);
        case ')', ']', '}' -> {
          char expected = c == ')' ? '(' : c == ']' ? '[' : '{';
          if (open.length() == 0 || open.charAt(open.length() - 1) != expected) {
            throw new IllegalArgumentException("unbalanced '" + c + "' at " + i + " in: " + expression);
          }
          open.setLength(open.length() - 1);
        }
        default -> { }
      }
    }
    if (open.length() > 0) {
      throw new IllegalArgumentException("unclosed '" + open + "' in: " + expression);
    }
    if (expression.isBlank()) {
      throw new IllegalArgumentException("empty expression");
    }
  }

  /**
   * A series name reduced to its metric family as Micrometer names it in the source: without the
   * Prometheus suffixes of histograms and counters and without the base unit.
   */
  public static String family(String name) {
    return name.replaceFirst("_(bucket|sum|count|max)$", "").replaceFirst("_seconds$", "").replaceFirst("_total$", "");
  }

  private static final Pattern METRIC_LITERAL = Pattern.compile("\"((?:etcd|grpc|strata)_[a-z0-9_]+)\"");

  /** The metric families registered in the Java sources under {@code roots} (string literals). */
  public static Set<String> familiesInSources(List<Path> roots) {
    Set<String> families = new LinkedHashSet<>();
    for (Path root : roots) {
      try (var files = Files.walk(root)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = METRIC_LITERAL.matcher(Files.readString(file));
          while (m.find()) {
            families.add(family(m.group(1)));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return families;
  }

  /** The series names of a Prometheus text exposition. */
  public static Set<String> seriesInScrape(String scrape) {
    Set<String> names = new LinkedHashSet<>();
    for (String line : scrape.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = IDENTIFIER.matcher(line);
      if (m.lookingAt()) {
        names.add(m.group());
      }
    }
    return names;
  }
}
