package io.strata.raft.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with {@code openssl} (Debian's package; installed by
 * {@code scripts/install-test-deps.sh}), as an operator would make them: a CA, and leaf certificates
 * it signs for servers (subject alternative names IP 127.0.0.1 and DNS localhost), clients (a
 * common name, which etcd takes as the user name) and peers (both). Valid for two days.
 *
 * <p>Threading: not thread-safe; a test uses one instance.
 */
public final class TestCertificates {
  /** The forms of private key files etcd accepts. */
  public enum KeyFormat {
    /** {@code PRIVATE KEY}, EC P-256 (the default). */
    PKCS8_EC,
    /** {@code EC PRIVATE KEY} (openssl ecparam -genkey). */
    SEC1_EC,
    /** {@code RSA PRIVATE KEY} (openssl genrsa -traditional). */
    PKCS1_RSA,
    /** {@code PRIVATE KEY}, RSA. */
    PKCS8_RSA
  }

  /** Subject alternative names for a server on this machine. */
  public static final List<String> LOCAL_NAMES = List.of("IP:127.0.0.1", "DNS:localhost");

  private static final SecureRandom RANDOM = new SecureRandom();

  private TestCertificates() {}

  /** A certificate and its key, as PEM files. */
  public record Issued(Path cert, Path key, BigInteger serial) { }

  /** A certificate authority whose files are {@code <dir>/<name>.crt} and {@code <dir>/<name>.key}. */
  public record Authority(Path dir, String name, Path cert, Path key) {

    /** A certificate with both server and client usage, signed by this CA. */
    public Issued issue(String fileStem, String commonName, List<String> altNames, KeyFormat format) {
      Path key = dir.resolve(fileStem + ".key");
      Path cert = dir.resolve(fileStem + ".crt");
      Path csr = dir.resolve(fileStem + ".csr");
      Path config = dir.resolve(fileStem + ".cnf");
      generateKey(key, format);
      StringBuilder text = new StringBuilder("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = ")
          .append(commonName).append("\n[leaf]\nbasicConstraints = CA:FALSE\n")
          .append("extendedKeyUsage = serverAuth,clientAuth\n");
      if (!altNames.isEmpty()) {
        text.append("subjectAltName = ").append(String.join(",", altNames)).append('\n');
      }
      write(config, text.toString());
      BigInteger serial = new BigInteger(63, RANDOM).add(BigInteger.ONE);
      openssl("req", "-new", "-key", key.toString(), "-config", config.toString(), "-out", csr.toString());
      openssl("x509", "-req", "-in", csr.toString(), "-CA", cert().toString(), "-CAkey", key().toString(),
          "-set_serial", "0x" + serial.toString(16), "-days", "2", "-extfile", config.toString(),
          "-extensions", "leaf", "-out", cert.toString());
      return new Issued(cert, key, serial);
    }

    /** A server certificate for this machine (also usable as a peer's), EC key. */
    public Issued server(String fileStem) {
      return issue(fileStem, fileStem, LOCAL_NAMES, KeyFormat.PKCS8_EC);
    }

    /** A client certificate whose common name is {@code user}, EC key. */
    public Issued client(String fileStem, String user) {
      return issue(fileStem, user, List.of(), KeyFormat.PKCS8_EC);
    }
  }

  /** A new CA named {@code name} with its files in {@code dir}. */
  public static Authority authority(Path dir, String name) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path key = dir.resolve(name + ".key");
    Path cert = dir.resolve(name + ".crt");
    Path config = dir.resolve(name + ".cnf");
    generateKey(key, KeyFormat.PKCS8_EC);
    write(config, "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = " + name + "\n"
        + "[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
        + "subjectKeyIdentifier = hash\n");
    openssl("req", "-x509", "-new", "-key", key.toString(), "-config", config.toString(), "-extensions", "ca",
        "-days", "2", "-out", cert.toString());
    return new Authority(dir, name, cert, key);
  }

  private static void generateKey(Path key, KeyFormat format) {
    switch (format) {
      case PKCS8_EC -> openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
      case SEC1_EC -> openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
      case PKCS1_RSA -> openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
      case PKCS8_RSA -> openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs openssl with {@code args}; fails with its output unless it exits 0 within 30 s. */
  static void openssl(String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("openssl did not finish within 30 s: " + command);
      }
      if (process.exitValue() != 0) {
        throw new AssertionError("openssl failed (exit " + process.exitValue() + "): " + command + "\n"
            + new String(output, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run openssl (apt-get install openssl): " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    }
  }
}
