package io.strata.e2e.ctl;

import io.strata.e2e.harness.Backend;

/** stratactl and etcdctl against a real etcd 3.4 cluster: the same outputs, so they are etcdctl's. */
@org.junit.jupiter.api.Tag("etcd-reference")
class EtcdCtlParityTest extends CtlParityScenarios {
  @Override
  Backend backend() {
    return Backend.ETCD;
  }
}
