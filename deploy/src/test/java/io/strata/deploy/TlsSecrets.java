package io.strata.deploy;

import io.strata.raft.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Secrets of the TLS manifests as cert-manager would issue them from
 * {@code deploy/kubernetes-tls/cert-manager.yaml} (one CA; each {@code Certificate} issued with its
 * common name, DNS names and IP addresses), laid out as the kubelet lays out a mounted Secret:
 * each key ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) is a symlink into {@code ..data},
 * itself a symlink to a timestamped directory, which an update replaces with one atomic rename.
 * Certificates are made with openssl ({@link TestCertificates}).
 *
 * <p>Threading: not thread-safe; one test uses one instance.
 */
public final class TlsSecrets {
  /** The keys of a cert-manager Secret (type kubernetes.io/tls). */
  public static final List<String> KEYS = List.of("tls.crt", "tls.key", "ca.crt");
  private static final String DATA = "..data";

  private final Path dir;
  private final TestCertificates.Authority ca;
  /** secretName -> the Certificate's spec (names already in the namespace asked for). */
  private final Map<String, Map<String, Object>> certificates;
  private final AtomicInteger generation = new AtomicInteger();

  private TlsSecrets(Path dir, TestCertificates.Authority ca, Map<String, Map<String, Object>> certificates) {
    this.dir = dir;
    this.ca = ca;
    this.certificates = certificates;
  }

  /** {@code deploy/kubernetes-tls/cert-manager.yaml}. */
  public static Path certManagerExample() {
    return Manifests.tlsOverlayDirectory().resolve("cert-manager.yaml");
  }

  /**
   * The example's {@code Certificate} specs that a CA issuer signs (the CA itself excluded), by
   * secret name, with the example's namespace {@code default} in DNS names replaced by
   * {@code namespace}.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Map<String, Object>> exampleCertificates(String namespace) {
    Map<String, Map<String, Object>> bySecret = new LinkedHashMap<>();
    for (Map<String, Object> doc : Manifests.readYaml(certManagerExample())) {
      Map<String, Object> spec = (Map<String, Object>) doc.get("spec");
      if (!"Certificate".equals(doc.get("kind")) || Boolean.TRUE.equals(spec.get("isCA"))) {
        continue;
      }
      Map<String, Object> copy = new LinkedHashMap<>(spec);
      List<String> dnsNames = new ArrayList<>();
      for (Object name : (List<Object>) spec.getOrDefault("dnsNames", List.of())) {
        dnsNames.add(name.toString().replace(".default.", "." + namespace + ".").replaceAll("\\.default$", "." + namespace));
      }
      copy.put("dnsNames", dnsNames);
      bySecret.put(spec.get("secretName").toString(), copy);
    }
    return bySecret;
  }

  /** Issues every Secret of the example under {@code dir/<secretName>}. */
  public static TlsSecrets issue(Path dir, String namespace) {
    TlsSecrets secrets = new TlsSecrets(dir, TestCertificates.authority(dir.resolve("ca"), "strata-ca"),
        exampleCertificates(namespace));
    secrets.certificates.keySet().forEach(secrets::renew);
    return secrets;
  }

  /** The directory holding Secret {@code secretName}'s keys, what a pod mounts. */
  public Path secret(String secretName) {
    if (!certificates.containsKey(secretName)) {
      throw new IllegalArgumentException("cert-manager.yaml has no Certificate for Secret " + secretName);
    }
    return dir.resolve(secretName);
  }

  public List<String> secretNames() {
    return List.copyOf(certificates.keySet());
  }

  public Path caCertificate() {
    return ca.cert();
  }

  /**
   * A new certificate and key for {@code secretName} (what cert-manager does on renewal with
   * rotationPolicy Always), put in place as the kubelet updates a mounted Secret. Returns the new
   * certificate's serial number.
   */
  @SuppressWarnings("unchecked")
  public BigInteger renew(String secretName) {
    Map<String, Object> spec = certificates.get(secretName);
    List<String> altNames = new ArrayList<>();
    ((List<Object>) spec.getOrDefault("dnsNames", List.of())).forEach(n -> altNames.add("DNS:" + n));
    ((List<Object>) spec.getOrDefault("ipAddresses", List.of())).forEach(a -> altNames.add("IP:" + a));
    Path secret = dir.resolve(secretName);
    Path version = secret.resolve("..version-" + generation.incrementAndGet());
    try {
      Files.createDirectories(version);
      TestCertificates.Issued issued = ca.issue(secretName + "-" + generation.get(),
          spec.getOrDefault("commonName", secretName).toString(), altNames, TestCertificates.KeyFormat.PKCS8_EC);
      Files.copy(issued.cert(), version.resolve("tls.crt"));
      Files.copy(issued.key(), version.resolve("tls.key"));
      Files.copy(ca.cert(), version.resolve("ca.crt"));
      Path previous = Files.isSymbolicLink(secret.resolve(DATA)) ? secret.resolve(Files.readSymbolicLink(secret.resolve(DATA))) : null;
      Path next = secret.resolve("..data_tmp");
      Files.deleteIfExists(next);
      Files.createSymbolicLink(next, version.getFileName());
      Files.move(next, secret.resolve(DATA), StandardCopyOption.ATOMIC_MOVE);
      for (String key : KEYS) {
        if (!Files.isSymbolicLink(secret.resolve(key))) {
          Files.createSymbolicLink(secret.resolve(key), Path.of(DATA, key));
        }
      }
      if (previous != null) {
        io.strata.storage.Backend.deleteTree(previous);
      }
      return issued.serial();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
