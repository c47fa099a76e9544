package io.strata.client.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Lays out {@code --help} the way etcdctl does, for every command of a command line. Stateless.
 *
 * <pre>
 * NAME:
 * 	downgrade validate - Validate downgrade capability before starting downgrade
 *
 * USAGE:
 * 	stratactl downgrade validate &lt;TARGET_VERSION&gt; [flags]
 *
 * OPTIONS:
 *   -h, --help[=false]                    help for validate
 *
 * GLOBAL OPTIONS:
 *       --command-timeout=5s              timeout for short running command (excluding dial timeout)
 * </pre>
 *
 * <p>Sections: NAME (the command's path below the root, and the first description line), USAGE,
 * DESCRIPTION (further description lines, if any), COMMANDS (every leaf command below this one,
 * by path, sorted), OPTIONS (the command's own flags and {@code -h}) and GLOBAL OPTIONS (flags
 * inherited from the root). At the root, the global flags are its own OPTIONS. An option prints as
 * etcdctl prints it: {@code --name=default}, strings quoted, lists in brackets, flags as {@code
 * [=false]}.
 */
final class EtcdctlHelp {

  /** In an option's description, stands for the name of the command whose help is shown. */
  static final String COMMAND_NAME = "{command}";

  private static final String NAME = "etcdctlName";
  private static final String USAGE = "etcdctlUsage";
  private static final String DESCRIPTION = "etcdctlDescription";
  private static final String COMMANDS = "etcdctlCommands";
  private static final String OPTIONS = "etcdctlOptions";
  private static final String GLOBAL_OPTIONS = "etcdctlGlobalOptions";

  private EtcdctlHelp() {}

  /** Installs the layout on {@code commandLine} and all its subcommands. */
  static void install(CommandLine commandLine) {
    Map<String, CommandLine.IHelpSectionRenderer> sections = commandLine.getHelpSectionMap();
    sections.put(NAME, help -> section("NAME", name(help.commandSpec())));
    sections.put(USAGE, help -> section("USAGE", usage(help.commandSpec())));
    sections.put(DESCRIPTION, help -> section("DESCRIPTION", description(help.commandSpec())));
    sections.put(COMMANDS, help -> section("COMMANDS", commands(help.commandSpec())));
    sections.put(OPTIONS, help -> section("OPTIONS", options(help.commandSpec(), false), ""));
    sections.put(
        GLOBAL_OPTIONS, help -> section("GLOBAL OPTIONS", options(help.commandSpec(), true), ""));
    commandLine.setHelpSectionKeys(
        List.of(NAME, USAGE, DESCRIPTION, COMMANDS, OPTIONS, GLOBAL_OPTIONS));
    commandLine.getSubcommands().values().forEach(EtcdctlHelp::install);
  }

  private static String section(String heading, List<String> lines) {
    return section(heading, lines, "\t");
  }

  private static String section(String heading, List<String> lines, String indent) {
    if (lines.isEmpty()) {
      return "";
    }
    return heading
        + ":\n"
        + lines.stream().map(line -> indent + line + "\n").collect(Collectors.joining())
        + "\n";
  }

  private static List<String> name(CommandSpec spec) {
    String path = spec.parent() == null ? spec.name() : pathBelowRoot(spec);
    String[] description = spec.usageMessage().description();
    return List.of(description.length == 0 ? path : path + " - " + description[0]);
  }

  private static List<String> usage(CommandSpec spec) {
    StringBuilder usage = new StringBuilder(spec.qualifiedName());
    if (!spec.subcommands().isEmpty()) {
      usage.append(" <command>");
    }
    for (PositionalParamSpec positional : spec.positionalParameters()) {
      if (positional.hidden()) {
        continue;
      }
      usage.append(' ').append(positional.paramLabel());
    }
    return List.of(usage.append(" [flags]").toString());
  }

  private static List<String> description(CommandSpec spec) {
    String[] description = spec.usageMessage().description();
    return description.length <= 1
        ? List.of()
        : Arrays.asList(description).subList(1, description.length);
  }

  private static List<String> commands(CommandSpec spec) {
    Map<String, String> leaves = new TreeMap<>();
    collectLeaves(spec, "", leaves);
    if (leaves.isEmpty()) {
      return List.of();
    }
    return columns(leaves);
  }

  private static void collectLeaves(CommandSpec spec, String prefix, Map<String, String> leaves) {
    for (Map.Entry<String, CommandLine> sub : spec.subcommands().entrySet()) {
      CommandSpec child = sub.getValue().getCommandSpec();
      if (!child.name().equals(sub.getKey())) {
        continue; // an alias
      }
      String path = prefix + child.name();
      if (child.subcommands().isEmpty()) {
        String[] description = child.usageMessage().description();
        leaves.put(path, description.length == 0 ? "" : description[0]);
      } else {
        collectLeaves(child, path + " ", leaves);
      }
    }
  }

  private static List<String> options(CommandSpec spec, boolean global) {
    if (spec.parent() == null && global) {
      return List.of();
    }
    Map<String, String> byFlag = new LinkedHashMap<>();
    spec.options().stream()
        .filter(option -> (option.inherited() && !option.usageHelp()) == global)
        .sorted(Comparator.comparing(EtcdctlHelp::sortKey))
        .forEach(option -> byFlag.put(flag(option), describe(option, spec)));
    return columns(byFlag);
  }

  /** Options sort by long name, as etcdctl (pflag) sorts them. */
  private static String sortKey(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  private static String flag(OptionSpec option) {
    String[] names = option.names();
    String shortName = Arrays.stream(names).filter(n -> !n.startsWith("--")).findFirst().orElse(null);
    String longName = option.longestName();
    String shown = shortName == null ? "    " + longName : shortName + ", " + longName;
    return "  " + shown + defaultValue(option);
  }

  private static String defaultValue(OptionSpec option) {
    String value = option.defaultValue();
    if (option.arity().max() == 0 || option.type() == boolean.class || option.type() == Boolean.class) {
      return "[=" + (value == null ? "false" : value) + "]";
    }
    if (Collection.class.isAssignableFrom(option.type())) {
      return "=[" + (value == null ? "" : value) + "]";
    }
    if (option.type() == String.class || option.type().isEnum()) {
      return "=\"" + (value == null ? "" : value.toLowerCase(Locale.ROOT)) + "\"";
    }
    return "=" + (value == null ? "" : value);
  }

  private static String describe(OptionSpec option, CommandSpec spec) {
    String description = String.join(" ", option.description());
    return description.replace(COMMAND_NAME, spec.name());
  }

  /** {@code name  description} lines with the descriptions aligned two spaces after the names. */
  private static List<String> columns(Map<String, String> rows) {
    int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
    List<String> lines = new ArrayList<>();
    rows.forEach(
        (name, description) ->
            lines.add(
                description.isEmpty()
                    ? name
                    : name + " ".repeat(width - name.length() + 2) + description));
    return lines;
  }

  private static String pathBelowRoot(CommandSpec spec) {
    List<String> names = new ArrayList<>();
    for (CommandSpec at = spec; at.parent() != null; at = at.parent()) {
      names.add(0, at.name());
    }
    return String.join(" ", names);
  }
}
