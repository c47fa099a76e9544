package io.strata.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Owns the clusters of a test class. Register it as a static field:
 *
 * <pre>{@code @RegisterExtension static final ClusterExtension clusters = new ClusterExtension();}</pre>
 *
 * A cluster started from {@code @BeforeAll} lives until the class is done; one started from a test
 * or {@code @BeforeEach} is closed after that test. Closing kills every member process. When any test
 * using a cluster failed, its directory (data dirs, member logs) is kept and the tail of each member
 * log is printed; otherwise the directory is deleted. Cluster directories go under the system
 * property {@code strata.e2e.workdir} (the build sets {@code target/e2e-runs}) or the temp dir.
 */
public final class ClusterExtension
    implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
  private final List<Cluster> classScoped = new ArrayList<>();
  private final List<Cluster> testScoped = new ArrayList<>();
  private boolean inTest;
  private boolean anyFailure;
  private String testClassName = "e2e";

  /** Starts a cluster of {@code backend} and waits until every member reports a leader. */
  public synchronized Cluster start(Backend backend, ClusterSpec spec) {
    return start(backend, spec, cluster -> { });
  }

  /**
   * Like {@link #start(Backend, ClusterSpec)}, but runs {@code beforeStart} on the cluster before
   * any member starts: to mount a member's data dir, or to run a member under a wrapper command.
   */
  public synchronized ProcessCluster start(Backend backend, ClusterSpec spec,
      Consumer<ProcessCluster> beforeStart) {
    Path dir;
    try {
      Path root = Path.of(System.getProperty("strata.e2e.workdir", System.getProperty("java.io.tmpdir")));
      Files.createDirectories(root);
      dir = Files.createTempDirectory(root, testClassName + "-" + backend.name().toLowerCase() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ProcessCluster cluster = backend.create(spec, dir);
    (inTest ? testScoped : classScoped).add(cluster);
    try {
      beforeStart.accept(cluster);
      cluster.startAll();
    } catch (RuntimeException | Error e) {
      // Left to afterEach/afterAll to close; the start failure itself is what the test reports.
      cluster.keepDirectoryOnClose(true);
      throw e;
    }
    return cluster;
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    // One instance may serve several classes (a static field of an abstract base class).
    testClassName = context.getRequiredTestClass().getSimpleName();
    anyFailure = false;
    inTest = false;
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    testClassName = context.getRequiredTestClass().getSimpleName();
    inTest = true;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) {
    inTest = false;
    boolean failed = context.getExecutionException().isPresent();
    anyFailure |= failed;
    if (failed) {
      System.err.println("[e2e] " + context.getDisplayName() + " failed: "
          + context.getExecutionException().get());
      for (Cluster c : classScoped) {
        c.dumpLogTails(40);
      }
      for (Cluster c : testScoped) {
        c.dumpLogTails(40);
      }
    }
    closeAll(testScoped, failed);
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    boolean failed = anyFailure || context.getExecutionException().isPresent();
    if (context.getExecutionException().isPresent()) {
      for (Cluster c : classScoped) {
        c.dumpLogTails(40);
      }
    }
    closeAll(classScoped, failed);
  }

  private static void closeAll(List<Cluster> clusters, boolean failed) {
    for (Cluster c : clusters) {
      if (failed) {
        c.keepDirectoryOnClose(true);
      }
      try {
        c.close();
      } catch (RuntimeException e) {
        System.err.println("[e2e] closing " + c.implementation() + " cluster failed: " + e);
      }
    }
    clusters.clear();
  }
}
