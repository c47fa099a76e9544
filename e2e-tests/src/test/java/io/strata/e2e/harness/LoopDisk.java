package io.strata.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small ext4 file system in an image file, loop-mounted (root only): a member's data dir on a
 * disk of its own, which a test can fill (ENOSPC) or "power-cut" by copying the image while
 * unsynced writes still sit in the page cache (shared/RELIABILITY.md, B4).
 *
 * <p>The image is sparse; keep it in the member's directory, so that a failed run keeps it with
 * the logs. {@link #close()} unmounts (lazily if a process still holds the mount) and detaches
 * the loop device; call it in a finally block after the members using the disk are killed.
 *
 * <p>Threading: one test drives it.
 */
public final class LoopDisk implements AutoCloseable {
  private static final long COMMAND_LIMIT_MS = 60_000;

  private final Path image;
  private String loopDevice;
  private Path mountPoint;

  private LoopDisk(Path image) {
    this.image = image;
  }

  /** Creates {@code image} as an empty ext4 file system of {@code bytes} (sparse); not mounted. */
  public static LoopDisk format(Path image, long bytes) {
    try {
      Files.createDirectories(image.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run("truncate", "-s", Long.toString(bytes), image.toString());
    run("mkfs.ext4", "-q", "-F", image.toString());
    return new LoopDisk(image);
  }

  /** An existing image (such as a {@link #powerCutCopy}), not mounted. */
  public static LoopDisk of(Path image) {
    return new LoopDisk(image);
  }

  /**
   * Attaches the image to a free loop device and mounts it on {@code at} (created if missing) with
   * mount {@code options} (e.g. "commit=60"; empty for the defaults). lost+found is removed, so a
   * fresh disk is an empty directory.
   */
  public LoopDisk mount(Path at, String options) {
    if (mountPoint != null) {
      throw new IllegalStateException(image + " is already mounted on " + mountPoint);
    }
    try {
      Files.createDirectories(at);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    loopDevice = run("losetup", "--find", "--show", image.toString()).strip();
    List<String> mount = new ArrayList<>(List.of("mount"));
    if (!options.isEmpty()) {
      mount.addAll(List.of("-o", options));
    }
    mount.addAll(List.of(loopDevice, at.toString()));
    try {
      run(mount.toArray(String[]::new));
    } catch (RuntimeException | Error e) {
      run("losetup", "-d", loopDevice);
      loopDevice = null;
      throw e;
    }
    mountPoint = at;
    try {
      Path lostAndFound = at.resolve("lost+found");
      if (Files.isDirectory(lostAndFound) && isEmpty(lostAndFound)) {
        Files.delete(lostAndFound);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /**
   * The power cut: copies the image as it is on the "platter" right now (cp --sparse=always), so
   * that the copy lacks whatever was written but not yet synced. Call it right after killing every
   * process that writes to the disk, while it is still mounted; mounting the copy replays the
   * ext4 journal as a reboot would.
   */
  public LoopDisk powerCutCopy(Path copy) {
    run("cp", "--sparse=always", image.toString(), copy.toString());
    return new LoopDisk(copy);
  }

  /** Bytes still free for files on the mounted file system. */
  public long freeBytes() {
    try {
      return Files.getFileStore(requireMounted()).getUsableSpace();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path image() {
    return image;
  }

  private Path requireMounted() {
    if (mountPoint == null) {
      throw new IllegalStateException(image + " is not mounted");
    }
    return mountPoint;
  }

  /** Unmounts and detaches; a no-op when not mounted. */
  public void unmount() {
    if (mountPoint == null) {
      return;
    }
    Etcdctl.Result umount = Etcdctl.execute(List.of("umount", mountPoint.toString()), null,
        COMMAND_LIMIT_MS);
    if (!umount.succeeded()) {
      // Still busy (a member that was not killed): detach now, the kernel frees it when unused.
      run("umount", "--lazy", mountPoint.toString());
    }
    mountPoint = null;
    run("losetup", "-d", loopDevice);
    loopDevice = null;
  }

  @Override
  public void close() {
    unmount();
  }

  @Override
  public String toString() {
    return image + (mountPoint == null ? "" : " on " + loopDevice + " mounted at " + mountPoint);
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  /** Runs a system command; fails with its output unless it exits 0. Returns its stdout. */
  private static String run(String... command) {
    Etcdctl.Result result = Etcdctl.execute(List.of(command), null, COMMAND_LIMIT_MS);
    if (!result.succeeded()) {
      throw new IllegalStateException("disk command failed (root, util-linux and e2fsprogs are "
          + "needed): " + result.describe());
    }
    return result.stdout();
  }
}
