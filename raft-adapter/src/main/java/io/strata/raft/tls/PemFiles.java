package io.strata.raft.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys in the forms etcd (Go's {@code tls.X509KeyPair})
 * accepts: keys as PKCS#8 ({@code PRIVATE KEY}: RSA, EC, Ed25519), PKCS#1 ({@code RSA PRIVATE
 * KEY}) or SEC1 ({@code EC PRIVATE KEY}, as {@code openssl ecparam -genkey} writes it). Encrypted
 * keys are refused, as etcd refuses them.
 *
 * <p>Threading: stateless; every method may be called from any thread.
 */
public final class PemFiles {
  /** One PEM block: {@code -----BEGIN TYPE-----}, base64, {@code -----END TYPE-----}. */
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final byte[] RSA_ENCRYPTION_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  private static final byte[] EC_PUBLIC_KEY_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final String[] PKCS8_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448"};

  private PemFiles() {}

  /** Every certificate of a PEM file, in file order (a leaf first, then its intermediates). */
  public static List<X509Certificate> certificates(byte[] pem, String source) throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (Block block : blocks(pem)) {
      if (block.type().equals("CERTIFICATE")) {
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
      }
    }
    if (out.isEmpty()) {
      throw new CertificateException(source + ": no PEM CERTIFICATE block found");
    }
    return out;
  }

  /** The first private key of a PEM file. */
  public static PrivateKey privateKey(byte[] pem, String source) throws GeneralSecurityException {
    for (Block block : blocks(pem)) {
      switch (block.type()) {
        case "PRIVATE KEY":
          return pkcs8(block.der(), source);
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(
              pkcs8(sequence(der(0x06, RSA_ENCRYPTION_OID), der(0x05, new byte[0])), block.der())));
        case "EC PRIVATE KEY":
          return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
              pkcs8(sequence(der(0x06, EC_PUBLIC_KEY_OID), sec1Curve(block.der(), source)), block.der())));
        case "ENCRYPTED PRIVATE KEY":
          throw new GeneralSecurityException(source + ": encrypted private keys are not supported");
        default:
          // EC PARAMETERS (openssl ecparam without -noout) and anything else: not the key
      }
    }
    throw new GeneralSecurityException(source + ": no PEM private key block found"
        + " (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  private static PrivateKey pkcs8(byte[] der, String source) throws GeneralSecurityException {
    for (String algorithm : PKCS8_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException notThisAlgorithm) {
        // try the next one
      }
    }
    throw new GeneralSecurityException(source + ": unsupported PKCS#8 private key (RSA, EC, Ed25519 or Ed448 expected)");
  }

  /**
   * The named curve of a SEC1 key: {@code ECPrivateKey ::= SEQUENCE { version INTEGER, privateKey
   * OCTET STRING, parameters [0] ECParameters OPTIONAL, publicKey [1] BIT STRING OPTIONAL }}.
   */
  private static byte[] sec1Curve(byte[] der, String source) throws GeneralSecurityException {
    DerReader outer = new DerReader(der);
    DerReader fields = new DerReader(outer.expect(0x30, source));
    fields.expect(0x02, source);
    fields.expect(0x04, source);
    while (fields.hasMore()) {
      int tag = fields.peekTag();
      byte[] content = fields.next();
      if (tag == 0xa0) {
        DerReader parameters = new DerReader(content);
        return der(0x06, parameters.expect(0x06, source));
      }
    }
    throw new GeneralSecurityException(source + ": EC private key names no curve");
  }

  /** {@code PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }}. */
  private static byte[] pkcs8(byte[] algorithmIdentifier, byte[] key) {
    return sequence(der(0x02, new byte[] {0}), algorithmIdentifier, der(0x04, key));
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    return der(0x30, content.toByteArray());
  }

  /** One DER element: tag, definite length, content. */
  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private record Block(String type, byte[] der) { }

  private static List<Block> blocks(byte[] pem) throws GeneralSecurityException {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new GeneralSecurityException("malformed base64 in PEM block " + m.group(1), e);
      }
    }
    return out;
  }

  /** Walks the elements of one DER constructed value (definite lengths only, as DER has). */
  private static final class DerReader {
    private final byte[] data;
    private int at;

    DerReader(byte[] data) {
      this.data = data;
    }

    boolean hasMore() {
      return at < data.length;
    }

    int peekTag() {
      return data[at] & 0xff;
    }

    byte[] expect(int tag, String source) throws GeneralSecurityException {
      if (!hasMore() || peekTag() != tag) {
        throw new GeneralSecurityException(source + ": malformed EC private key (DER tag " + tag + " expected)");
      }
      return next();
    }

    byte[] next() throws GeneralSecurityException {
      try {
        at++; // tag
        int length = data[at++] & 0xff;
        if (length >= 0x80) {
          int bytes = length & 0x7f;
          length = 0;
          for (int i = 0; i < bytes; i++) {
            length = (length << 8) | (data[at++] & 0xff);
          }
        }
        if (length < 0 || at + length > data.length) {
          throw new GeneralSecurityException("truncated DER element");
        }
        byte[] content = java.util.Arrays.copyOfRange(data, at, at + length);
        at += length;
        return content;
      } catch (ArrayIndexOutOfBoundsException e) {
        throw new GeneralSecurityException("truncated DER element", e);
      }
    }
  }
}
