package io.strata.e2e.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.e2e.harness.Backend;
import io.strata.e2e.harness.Cluster;
import io.strata.e2e.harness.ClusterExtension;
import io.strata.e2e.harness.ClusterSpec;
import io.strata.e2e.harness.Etcdctl;
import io.strata.e2e.harness.Etcdctl.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcdctl's user, role and auth commands against a 3-member cluster, and what enabled auth does
 * to key access. Written once, run on etcd 3.4 (which proves the expected outputs) and on Strata.
 */
public abstract class AuthConformanceScenarios {
  @RegisterExtension
  static final ClusterExtension clusters = new ClusterExtension();

  protected abstract Backend backend();

  @Test
  void users_roles_and_key_permissions_behave_as_in_etcd() {
    Cluster cluster = clusters.start(backend(), ClusterSpec.threeMembers());
    Etcdctl m1 = cluster.etcdctl(cluster.member(0));
    Etcdctl m2 = cluster.etcdctl(cluster.member(1));

    Result noRoot = m1.run("auth", "enable");
    assertThat(noRoot.error()).hasValue("etcdserver: root user does not exist");
    assertThat(m1.run("user", "add", "root:rootpw").stdout()).isEqualTo("User root created\n");
    assertThat(m1.run("user", "add", "alice:alicepw").stdout()).isEqualTo("User alice created\n");
    assertThat(m1.run("user", "add", "alice:again").error()).hasValue("etcdserver: user name already exists");
    assertThat(m1.run("role", "add", "app").stdout()).isEqualTo("Role app created\n");
    assertThat(m1.run("role", "grant-permission", "app", "readwrite", "/app/", "--prefix=true").stdout())
        .isEqualTo("Role app updated\n");
    assertThat(m1.run("role", "grant-permission", "app", "read", "/shared").stdout()).isEqualTo("Role app updated\n");
    assertThat(m1.run("user", "grant-role", "alice", "app").stdout()).isEqualTo("Role app is granted to user alice\n");
    assertThat(m1.run("user", "grant-role", "alice", "nope").error()).hasValue("etcdserver: role name not found");
    assertThat(m1.run("put", "/shared", "s").stdout()).isEqualTo("OK\n");
    // etcdctl answers "root user does not have root role" by adding the role and granting it.
    assertThat(m1.run("auth", "enable").stdout()).isEqualTo("Authentication Enabled\n");

    assertThat(m2.run("put", "x", "1").error()).hasValue("etcdserver: user name is empty");
    assertThat(m2.run("get", "x").error()).hasValue("etcdserver: user name is empty");
    Etcdctl root = m2.withUser("root:rootpw");
    Etcdctl alice = m2.withUser("alice:alicepw");
    assertThat(root.run("put", "x", "1").stdout()).isEqualTo("OK\n");
    assertThat(alice.run("put", "/app/a", "1").stdout()).isEqualTo("OK\n");
    assertThat(alice.run("get", "/app/a").stdout()).isEqualTo("/app/a\n1\n");
    assertThat(alice.run("get", "/app/", "--prefix", "--keys-only").stdout()).isEqualTo("/app/a\n\n");
    assertThat(alice.run("get", "/shared").stdout()).isEqualTo("/shared\ns\n");
    assertThat(alice.run("put", "/shared", "t").error()).hasValue("etcdserver: permission denied");
    assertThat(alice.run("get", "x").error()).hasValue("etcdserver: permission denied");
    assertThat(alice.run("del", "/", "--prefix").error()).hasValue("etcdserver: permission denied");
    assertThat(alice.run("user", "list").error()).hasValue("etcdserver: permission denied");
    Result deniedWatch = alice.run("watch", "x");
    assertThat(deniedWatch.exitCode()).as(deniedWatch.describe()).isEqualTo(5);
    assertThat(deniedWatch.stderr()).contains("watch was canceled (rpc error: code = PermissionDenied desc = etcdserver: permission denied)");
    assertThat(m2.withUser("alice:wrong").run("get", "/app/a").error())
        .hasValue("etcdserver: authentication failed, invalid user ID or password");

    assertThat(root.run("user", "list").stdout()).isEqualTo("alice\nroot\n");
    assertThat(root.run("role", "list").stdout()).isEqualTo("app\nroot\n");
    assertThat(root.run("user", "get", "root").stdout()).isEqualTo("User: root\nRoles: root\n");
    assertThat(root.run("user", "get", "alice").stdout()).isEqualTo("User: alice\nRoles: app\n");
    assertThat(root.run("role", "get", "app").stdout()).isEqualTo(
        "Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\n\t/shared\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n");
    assertThat(root.run("user", "delete", "root").error()).hasValue("etcdserver: invalid auth management");
    assertThat(root.run("role", "revoke-permission", "app", "/app/", "--prefix=true").stdout())
        .isEqualTo("Permission of range [/app/, /app0) is revoked from role app\n");
    assertThat(alice.run("get", "/app/a").error()).hasValue("etcdserver: permission denied");

    assertThat(root.run("auth", "disable").stdout()).isEqualTo("Authentication Disabled\n");
    assertThat(m1.run("get", "x").stdout()).isEqualTo("x\n1\n");
  }
}
