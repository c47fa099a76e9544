package io.strata.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The Kubernetes manifests in {@code deploy/kubernetes}, read as typed Kubernetes objects
 * (fabric8's model), and the environment Kubernetes gives a pod of the StatefulSet: what the
 * manifest tests check and what the e2e test starts its "pods" with.
 *
 * <p>Threading: immutable once loaded.
 */
public final class Manifests {
  private static final ObjectMapper YAML = YAMLMapper.builder().build();
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "StatefulSet", StatefulSet.class,
      "Service", Service.class,
      "ConfigMap", ConfigMap.class,
      "PodDisruptionBudget", PodDisruptionBudget.class,
      "ServiceAccount", ServiceAccount.class,
      "Role", Role.class,
      "RoleBinding", RoleBinding.class);

  /** One YAML document of one file. */
  public record Document(Path file, Map<String, Object> raw, HasMetadata object) {
    @Override
    public String toString() {
      return file.getFileName() + ": " + object.getKind() + " " + object.getMetadata().getName();
    }
  }

  private final Path directory;
  private final List<Document> documents;

  private Manifests(Path directory, List<Document> documents) {
    this.directory = directory;
    this.documents = List.copyOf(documents);
  }

  /** {@code deploy/kubernetes}, from the deploy module's directory or a sibling module's. */
  public static Path defaultDirectory() {
    for (Path candidate : List.of(Path.of("kubernetes"), Path.of("../deploy/kubernetes"))) {
      if (Files.isRegularFile(candidate.resolve("statefulset.yaml"))) {
        return candidate.toAbsolutePath().normalize();
      }
    }
    throw new IllegalStateException("deploy/kubernetes not found from " + Path.of("").toAbsolutePath());
  }

  public static Manifests load() {
    return load(defaultDirectory());
  }

  /** Every document of every {@code *.yaml} in {@code directory} except the kustomization. */
  public static Manifests load(Path directory) {
    List<Document> documents = new ArrayList<>();
    for (Path file : manifestFiles(directory)) {
      for (Map<String, Object> raw : readYaml(file)) {
        String kind = String.valueOf(raw.get("kind"));
        Class<? extends HasMetadata> type = KINDS.get(kind);
        if (type == null) {
          throw new IllegalArgumentException(file + ": a kind the tests do not know: " + kind);
        }
        documents.add(new Document(file, raw, YAML.convertValue(raw, type)));
      }
    }
    return new Manifests(directory, documents);
  }

  public static List<Path> manifestFiles(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.toString().endsWith(".yaml"))
          .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The YAML documents of {@code file} as maps (empty documents skipped). */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> readYaml(Path file) {
    try (MappingIterator<Map<String, Object>> docs = YAML.readerFor(Map.class).readValues(Files.readString(file))) {
      List<Map<String, Object>> out = new ArrayList<>();
      while (docs.hasNext()) {
        Map<String, Object> doc = docs.next();
        if (doc != null && !doc.isEmpty()) {
          out.add(doc);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path directory() {
    return directory;
  }

  public List<Document> documents() {
    return documents;
  }

  public <T extends HasMetadata> List<T> all(Class<T> type) {
    return documents.stream().map(Document::object).filter(type::isInstance).map(type::cast).toList();
  }

  public <T extends HasMetadata> T one(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name + " in " + directory));
  }

  public StatefulSet statefulSet() {
    List<StatefulSet> sets = all(StatefulSet.class);
    if (sets.size() != 1) {
      throw new AssertionError("expected one StatefulSet, found " + sets.size());
    }
    return sets.get(0);
  }

  public Container serverContainer() {
    return statefulSet().getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /**
   * The environment Kubernetes gives the server container of pod {@code podName} in
   * {@code namespace}: the ConfigMaps of {@code envFrom}, then {@code env} (which wins), with the
   * downward API's {@code metadata.name}/{@code metadata.namespace} filled in and
   * {@code $(VAR)} references expanded as the kubelet does (a variable defined earlier; {@code $$}
   * is a literal {@code $}).
   */
  public Map<String, String> podEnvironment(String podName, String namespace) {
    Container container = serverContainer();
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : container.getEnvFrom()) {
      if (from.getConfigMapRef() == null) {
        throw new AssertionError("envFrom other than a ConfigMap is not modelled: " + from);
      }
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      one(ConfigMap.class, from.getConfigMapRef().getName()).getData().forEach((k, v) -> env.put(prefix + k, v));
    }
    for (EnvVar var : container.getEnv()) {
      String value;
      if (var.getValueFrom() != null) {
        if (var.getValueFrom().getFieldRef() == null) {
          throw new AssertionError("valueFrom other than a fieldRef is not modelled: " + var);
        }
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        value = switch (field) {
          case "metadata.name" -> podName;
          case "metadata.namespace" -> namespace;
          default -> throw new AssertionError("fieldRef not modelled: " + field);
        };
      } else {
        value = expand(var.getValue() == null ? "" : var.getValue(), env);
      }
      env.put(var.getName(), value);
    }
    return env;
  }

  private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");

  /** Kubernetes' expansion of {@code $(VAR)} in an env value: unknown references stay as they are. */
  static String expand(String value, Map<String, String> defined) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = m.group().equals("$$") ? "$"
          : defined.getOrDefault(m.group(1), m.group());
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * Fields of a typed object that the Kubernetes schema does not have (a misspelling, a field at
   * the wrong level), as paths: fabric8 keeps them in {@code additionalProperties}.
   */
  public static List<String> unknownFields(Object object) {
    List<String> found = new ArrayList<>();
    collectUnknown(object, "", found);
    return found;
  }

  private static void collectUnknown(Object node, String path, List<String> found) {
    if (node == null) {
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> collectUnknown(v, path + "." + k, found));
      return;
    }
    if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collectUnknown(list.get(i), path + "[" + i + "]", found);
      }
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException(getter + ": " + e, e);
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          found.add((path.isEmpty() ? "." : path) + " " + extra.keySet());
        }
      } else {
        String property = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
        collectUnknown(value, path + "." + property, found);
      }
    }
  }
}
