package io.strata.e2e.tls;

import io.strata.e2e.harness.Backend;
import org.junit.jupiter.api.Tag;

/** The TLS scenarios on etcd 3.4: proves what etcdctl prints and what is refused. */
@Tag("etcd-reference")
class EtcdTlsTest extends TlsScenarios {
  @Override
  protected Backend backend() {
    return Backend.ETCD;
  }
}
