package io.strata.storage;

import io.strata.api.version.Version;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Moves a database from its storage version to another, one minor version at a time, as the
 * {@link StorageSchema} says. All steps of a plan are written in one atomic RocksDB batch with the
 * new storage version, so a crash leaves the old version or the new one, never a mix.
 *
 * <p>Threading: one caller, with the database not serving (offline migrate, or the apply thread).
 */
public final class Migration {
  /** One minor step. */
  public record Step(Version from, Version to) {
    public boolean isDowngrade() {
      return to.compareTo(from) < 0;
    }
  }

  /** A plan cannot be made: unknown version, or a change of major version. */
  public static final class UnsupportedVersionException extends IllegalArgumentException {
    UnsupportedVersionException(String message) {
      super(message);
    }
  }

  static final long WRITES_REPORT_EVERY = 10_000;

  private Migration() {}

  /** The steps from {@code current} to {@code target}; empty when they are equal. */
  public static List<Step> plan(Version current, Version target) {
    if (current.major() != target.major()) {
      throw new UnsupportedVersionException("changing major storage version is not supported");
    }
    for (Version v : List.of(current, target)) {
      if (!StorageSchema.knows(v)) {
        throw new UnsupportedVersionException("version \"" + v + "\" is not supported");
      }
    }
    List<Step> steps = new ArrayList<>();
    int from = StorageSchema.VERSIONS.indexOf(current);
    int to = StorageSchema.VERSIONS.indexOf(target);
    int direction = Integer.signum(to - from);
    for (int i = from; i != to; i += direction) {
      steps.add(new Step(StorageSchema.VERSIONS.get(i), StorageSchema.VERSIONS.get(i + direction)));
    }
    return steps;
  }

  /**
   * Runs the plan from the database's recorded storage version to {@code target}; reports each
   * step to {@code progress}. Returns the steps run.
   *
   * @throws IllegalStateException when the database records no storage version
   */
  public static List<Step> run(Backend backend, Version target, Consumer<String> progress) {
    return run(backend, target, progress, null);
  }

  /**
   * As {@link #run(Backend, Version, Consumer)}, also telling {@code writes} (when not null) how
   * many records the plan has written so far, every {@value #WRITES_REPORT_EVERY} writes.
   */
  public static List<Step> run(Backend backend, Version target, Consumer<String> progress, LongConsumer writes) {
    Version current;
    try (ReadView view = backend.readView()) {
      current = StorageVersion.of(view).orElseThrow(
          () -> new IllegalStateException("missing storage version record"));
    }
    if (current.equals(target)) {
      return List.of();
    }
    try (StoreBatch batch = backend.beginBatch()) {
      if (writes != null) {
        batch.reportWrites(WRITES_REPORT_EVERY, writes);
      }
      List<Step> steps = runIn(batch, current, target, progress);
      batch.commit();
      return steps;
    }
  }

  /**
   * Adds the plan from {@code current} to {@code target} to {@code batch} (which the caller
   * commits): the online path, where the apply thread migrates within an applied batch.
   */
  public static List<Step> runIn(StoreBatch batch, Version current, Version target, Consumer<String> progress) {
    List<Step> steps = plan(current, target);
    for (Step step : steps) {
      progress.accept("step " + step.from() + " -> " + step.to() + ": " + String.join(", ", runStep(batch, step)));
    }
    if (!steps.isEmpty()) {
      StorageVersion.write(batch, target);
      // Data moved down to a version is data of a cluster at that version at most: an older
      // binary must be able to start on it.
      Optional<Version> cluster = ClusterVersionRecord.of(batch);
      if (cluster.isPresent() && cluster.get().isNewerThan(target)) {
        ClusterVersionRecord.write(batch, target);
        progress.accept("cluster version recorded in the data lowered to " + target);
      }
    }
    return steps;
  }

  /**
   * What moving the committed data of {@code backend} from {@code current} to {@code target} would
   * do, one line per step, without changing anything: the plan runs in a batch that is discarded.
   */
  public static List<String> preview(Backend backend, Version current, Version target) {
    List<String> lines = new ArrayList<>();
    try (StoreBatch batch = backend.beginBatch()) {
      runIn(batch, current, target, lines::add);
    }
    return lines;
  }

  private static List<String> runStep(StoreBatch batch, Step step) {
    List<String> done = new ArrayList<>();
    if (step.isDowngrade()) {
      List<StorageSchema.Change> changes = new ArrayList<>(StorageSchema.changesOf(step.from()));
      Collections.reverse(changes);
      for (StorageSchema.Change change : changes) {
        done.add("removed " + change.what() + " (" + change.downgrade().run(batch) + " records)");
      }
      done.add("cleared fields newer than " + step.to() + " from "
          + StorageSchema.clearNewerFields(batch, step.to()) + " records");
    } else {
      for (StorageSchema.Change change : StorageSchema.changesOf(step.to())) {
        done.add("added " + change.what() + " (" + change.upgrade().run(batch) + " records)");
      }
      if (done.isEmpty()) {
        done.add("no stored data changes");
      }
    }
    return done;
  }
}
