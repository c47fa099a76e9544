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
        documents.add(new Document(file, raw, typed(file, raw)));
      }
    }
    return new Manifests(directory, documents);
  }

  /** {@code deploy/kubernetes-tls}, the TLS overlay, found as {@link #defaultDirectory()} is. */
  public static Path tlsOverlayDirectory() {
    return defaultDirectory().resolveSibling("kubernetes-tls");
  }

  /**
   * What {@code kustomize build directory} gives, for the kustomization features these manifests
   * use: {@code resources} (files, and directories holding a kustomization, built first),
   * {@code patches} given by {@code path} (a strategic merge patch on the object of its kind and
   * name; see {@link #strategicMerge}) and {@code labels} pairs (added to each object's
   * {@code metadata.labels}). Anything else in a kustomization fails here, so a manifest change
   * that needs more of kustomize is noticed rather than misread.
   */
  public static Manifests build(Path directory) {
    List<Document> documents = new ArrayList<>();
    for (Document document : render(directory.toAbsolutePath().normalize())) {
      documents.add(new Document(document.file(), document.raw(), typed(document.file(), document.raw())));
    }
    return new Manifests(directory, documents);
  }

  private static final java.util.Set<String> KUSTOMIZATION_FIELDS = java.util.Set.of(
      "apiVersion", "kind", "resources", "patches", "labels");

  @SuppressWarnings("unchecked")
  private static List<Document> render(Path directory) {
    Path file = directory.resolve("kustomization.yaml");
    Map<String, Object> kustomization = readYaml(file).get(0);
    for (String field : kustomization.keySet()) {
      if (!KUSTOMIZATION_FIELDS.contains(field)) {
        throw new IllegalArgumentException(file + ": kustomization field " + field + " is not modelled by the tests");
      }
    }
    List<Document> documents = new ArrayList<>();
    for (Object resource : (List<Object>) kustomization.getOrDefault("resources", List.of())) {
      Path path = directory.resolve(resource.toString()).normalize();
      if (Files.isDirectory(path)) {
        documents.addAll(render(path));
      } else {
        readYaml(path).forEach(raw -> documents.add(new Document(path, raw, null)));
      }
    }
    for (Object entry : (List<Object>) kustomization.getOrDefault("patches", List.of())) {
      Map<String, Object> patchEntry = (Map<String, Object>) entry;
      if (!patchEntry.keySet().equals(java.util.Set.of("path"))) {
        throw new IllegalArgumentException(file + ": only patches given by path alone are modelled: " + patchEntry);
      }
      Path patchFile = directory.resolve(patchEntry.get("path").toString()).normalize();
      for (Map<String, Object> patch : readYaml(patchFile)) {
        Document target = documents.stream().filter(d -> sameObject(d.raw(), patch)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException(patchFile + ": no " + patch.get("kind") + " named "
                + name(patch) + " to patch"));
        documents.set(documents.indexOf(target),
            new Document(target.file(), (Map<String, Object>) strategicMerge(target.raw(), patch, ""), null));
      }
    }
    for (Object entry : (List<Object>) kustomization.getOrDefault("labels", List.of())) {
      Map<String, Object> labels = (Map<String, Object>) entry;
      if (!labels.keySet().equals(java.util.Set.of("pairs"))) {
        throw new IllegalArgumentException(file + ": only labels given by pairs alone (metadata only) are modelled");
      }
      for (Document document : documents) {
        Map<String, Object> metadata = (Map<String, Object>) document.raw().get("metadata");
        Map<String, Object> existing = (Map<String, Object>) metadata.getOrDefault("labels", Map.of());
        Map<String, Object> merged = new LinkedHashMap<>(existing);
        merged.putAll((Map<String, Object>) labels.get("pairs"));
        metadata.put("labels", merged);
      }
    }
    return documents;
  }

  private static boolean sameObject(Map<String, Object> a, Map<String, Object> b) {
    return java.util.Objects.equals(a.get("kind"), b.get("kind")) && java.util.Objects.equals(name(a), name(b));
  }

  @SuppressWarnings("unchecked")
  private static Object name(Map<String, Object> object) {
    return ((Map<String, Object>) object.getOrDefault("metadata", Map.of())).get("name");
  }

  /**
   * Kubernetes' strategic merge of {@code patch} into {@code base} (a new tree; neither changes),
   * for the list fields these manifests patch: maps merge key by key, a null deletes, lists of
   * containers, env, volumes, volume mounts and ports merge element by element on their merge key
   * ({@code name}, {@code mountPath}, {@code containerPort}/{@code port}) with new elements
   * appended, and every other list or value is replaced. {@code $patch} directives fail.
   */
  @SuppressWarnings("unchecked")
  public static Object strategicMerge(Object base, Object patch, String field) {
    if (base instanceof Map<?, ?> baseMap && patch instanceof Map<?, ?> patchMap) {
      Map<String, Object> merged = new LinkedHashMap<>((Map<String, Object>) deepCopy(baseMap));
      for (Map.Entry<String, Object> e : ((Map<String, Object>) patchMap).entrySet()) {
        if (e.getKey().startsWith("$")) {
          throw new IllegalArgumentException("strategic merge directive " + e.getKey() + " is not modelled");
        }
        if (e.getValue() == null) {
          merged.remove(e.getKey());
        } else {
          merged.put(e.getKey(), merged.containsKey(e.getKey())
              ? strategicMerge(merged.get(e.getKey()), e.getValue(), e.getKey()) : deepCopy(e.getValue()));
        }
      }
      return merged;
    }
    if (base instanceof List<?> baseList && patch instanceof List<?> patchList) {
      String key = mergeKey(field, patchList);
      if (key == null) {
        return deepCopy(patchList);
      }
      List<Object> merged = new ArrayList<>((List<Object>) deepCopy(baseList));
      for (Object element : patchList) {
        Object id = ((Map<String, Object>) element).get(key);
        int at = -1;
        for (int i = 0; i < merged.size(); i++) {
          if (java.util.Objects.equals(((Map<String, Object>) merged.get(i)).get(key), id)) {
            at = i;
          }
        }
        if (at >= 0) {
          merged.set(at, strategicMerge(merged.get(at), element, ""));
        } else {
          merged.add(deepCopy(element));
        }
      }
      return merged;
    }
    return deepCopy(patch);
  }

  private static String mergeKey(String field, List<?> elements) {
    return switch (field) {
      case "containers", "initContainers", "env", "volumes" -> "name";
      case "volumeMounts" -> "mountPath";
      case "ports" -> elements.stream().anyMatch(e -> e instanceof Map<?, ?> m && m.containsKey("containerPort"))
          ? "containerPort" : "port";
      default -> null;
    };
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<String, Object>) map).forEach((k, v) -> copy.put(k, deepCopy(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(v -> copy.add(deepCopy(v)));
      return copy;
    }
    return value;
  }

  private static HasMetadata typed(Path file, Map<String, Object> raw) {
    String kind = String.valueOf(raw.get("kind"));
    Class<? extends HasMetadata> type = KINDS.get(kind);
    if (type == null) {
      throw new IllegalArgumentException(file + ": a kind the tests do not know: " + kind);
    }
    return YAML.convertValue(raw, type);
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
