package io.strata.storage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A portable, self-checking copy of the state database: what Maintenance.Snapshot streams and
 * {@code strata snapshot restore} reads.
 *
 * <p>Layout (integers big-endian):
 * <pre>
 *   "STRATA-SNAPSHOT\n"                       16 bytes of magic
 *   file count                                 4 bytes
 *   per file: name length (2), name (UTF-8), size (8), contents
 *   zero bytes up to a multiple of 512         (etcd's clients expect body size % 512 == 0)
 *   SHA-256 of every byte before it            32 bytes (as etcd appends to its snapshot stream)
 * </pre>
 * The files are those of a RocksDB checkpoint, so the archive is a consistent point in time.
 */
public final class SnapshotArchive {
  private static final byte[] MAGIC = "STRATA-SNAPSHOT\n".getBytes(StandardCharsets.US_ASCII);
  private static final int ALIGNMENT = 512;

  private SnapshotArchive() {}

  /** Writes a consistent archive of {@code backend} to {@code target}; returns its size in bytes. */
  public static long write(Backend backend, Path target) throws IOException {
    Path checkpoint = target.resolveSibling(target.getFileName() + ".checkpoint");
    Backend.deleteTree(checkpoint);
    backend.checkpoint(checkpoint);
    try (Stream<Path> listing = Files.list(checkpoint)) {
      List<Path> files = listing.sorted().toList();
      MessageDigest sha = sha256();
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(target))) {
        DataOutputStream out = new DataOutputStream(new DigestOutputStream(file, sha));
        out.write(MAGIC);
        out.writeInt(files.size());
        for (Path path : files) {
          byte[] name = path.getFileName().toString().getBytes(StandardCharsets.UTF_8);
          out.writeShort(name.length);
          out.write(name);
          out.writeLong(Files.size(path));
          Files.copy(path, out);
        }
        out.write(new byte[(int) ((ALIGNMENT - out.size() % ALIGNMENT) % ALIGNMENT)]);
        out.flush();
        file.write(sha.digest());
      }
    } finally {
      Backend.deleteTree(checkpoint);
    }
    return Files.size(target);
  }

  /**
   * Checks {@code archive}'s hash and unpacks its files into {@code dbDir}, which must not exist.
   *
   * @throws IOException with a clear message when the archive is not a Strata snapshot or is damaged
   */
  public static void unpack(Path archive, Path dbDir) throws IOException {
    if (Files.exists(dbDir)) {
      throw new IOException(dbDir + " already exists");
    }
    long size = Files.size(archive);
    if (size < MAGIC.length + 4 + 32) {
      throw new IOException(archive + " is too short to be a Strata snapshot");
    }
    MessageDigest sha = sha256();
    Files.createDirectories(dbDir);
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive))) {
      BoundedInput body = new BoundedInput(raw, size - 32);
      DataInputStream in = new DataInputStream(new DigestInputStream(body, sha));
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(archive + " is not a Strata snapshot (bad magic)");
      }
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        String name = new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
        if (name.contains("/") || name.contains("..") || name.isEmpty()) {
          throw new IOException("snapshot names an unsafe file: " + name);
        }
        long length = in.readLong();
        try (OutputStream out = Files.newOutputStream(dbDir.resolve(name))) {
          copyExactly(in, out, length);
        }
      }
      byte[] padding = in.readAllBytes();
      if (padding.length >= ALIGNMENT || !Arrays.equals(padding, new byte[padding.length])) {
        throw new IOException("snapshot has " + padding.length + " unexpected trailing bytes");
      }
      byte[] expected = raw.readNBytes(32);
      if (!Arrays.equals(expected, sha.digest())) {
        throw new IOException("snapshot hash mismatch: the file is damaged or truncated");
      }
      FileSync.syncTree(dbDir);
      FileSync.sync(dbDir.toAbsolutePath().getParent());
    } catch (EOFException e) {
      throw new IOException("snapshot is truncated", e);
    } catch (IOException e) {
      Backend.deleteTree(dbDir);
      throw e;
    }
  }

  private static void copyExactly(InputStream in, OutputStream out, long length) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException();
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads at most a fixed number of bytes from the underlying stream. */
  private static final class BoundedInput extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInput(InputStream in, long limit) {
      this.in = in;
      this.remaining = limit;
    }

    long remaining() {
      return remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
