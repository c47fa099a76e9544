package io.strata.e2e.harness;

import java.nio.file.Path;

/** The implementations a scenario can run against. */
public enum Backend {
  /** Real etcd 3.4: proves what the expected outputs are. */
  ETCD {
    @Override
    ProcessCluster create(ClusterSpec spec, Path directory) {
      return new EtcdProcessCluster(spec, directory);
    }
  },
  /** Strata server processes. */
  STRATA {
    @Override
    ProcessCluster create(ClusterSpec spec, Path directory) {
      return new StrataProcessCluster(spec, directory);
    }
  };

  abstract ProcessCluster create(ClusterSpec spec, Path directory);
}
