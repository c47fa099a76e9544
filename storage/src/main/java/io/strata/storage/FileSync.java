package io.strata.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * fsync for files this module writes itself (RocksDB syncs its own): a file copied or renamed is
 * only in the page cache, and a power cut can leave it empty or missing, until its data and the
 * directory entries naming it are synced.
 */
final class FileSync {
  private FileSync() {}

  /** Syncs every file and directory under {@code root}, {@code root} included, children first. */
  static void syncTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        sync(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sync " + root, e);
    }
  }

  /** Syncs one file or directory (a directory: the entries it holds, e.g. after a rename). */
  static void sync(Path path) {
    // Linux lets a read-only descriptor of a file or a directory be fsynced.
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sync " + path, e);
    }
  }
}
