package io.strata.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.strata.api.authpb.Permission;
import io.strata.api.authpb.Role;
import io.strata.api.authpb.User;

import org.junit.jupiter.api.Test;

class AuthStateTest {
  private static final ByteString NONE = ByteString.EMPTY;
  private static final ByteString TO_END = ByteString.copyFrom(new byte[] {0});

  private final AuthState state = AuthState.EMPTY.withEnabled(true)
      .withRole(role("a", perm(Permission.Type.READWRITE, "/a/", "/a0"), perm(Permission.Type.READ, "/b", "")))
      .withRole(role("b", perm(Permission.Type.WRITE, "/a0", "/c")))
      .withRole(role("z", perm(Permission.Type.READ, "/z", "\0")))
      .withUser(user("alice", "a"))
      .withUser(user("bob", "a", "b"))
      .withUser(user("zed", "z"))
      .withUser(user("root", "root"));

  @Test
  void aSingleKeyPermissionCoversOnlyThatKey() {
    assertThat(state.permitted("alice", bytes("/b"), NONE, false)).isTrue();
    assertThat(state.permitted("alice", bytes("/b"), NONE, true)).isFalse();
    assertThat(state.permitted("alice", bytes("/bb"), NONE, false)).isFalse();
  }

  @Test
  void aRangeMustBeCoveredByTheUnionOfGrantedRanges() {
    assertThat(state.permitted("alice", bytes("/a/x"), bytes("/a/y"), true)).isTrue();
    assertThat(state.permitted("alice", bytes("/a/"), bytes("/b"), true)).isFalse();
    // bob's two roles together cover [/a/, /c) for writes, but only [/a/, /a0) for reads.
    assertThat(state.permitted("bob", bytes("/a/"), bytes("/c"), true)).isTrue();
    assertThat(state.permitted("bob", bytes("/a/"), bytes("/c"), false)).isFalse();
  }

  @Test
  void anOpenEndedPermissionCoversEverythingAfterItsKey() {
    assertThat(state.permitted("zed", bytes("/zz"), TO_END, false)).isTrue();
    assertThat(state.permitted("zed", bytes("/y"), TO_END, false)).isFalse();
    assertThat(state.permitted("alice", bytes("/a/"), TO_END, false)).isFalse();
  }

  @Test
  void rootMayDoEverythingAndUnknownUsersNothing() {
    assertThat(state.permitted("root", bytes("/anything"), TO_END, true)).isTrue();
    assertThat(state.permitted("mallory", bytes("/a/x"), NONE, false)).isFalse();
    assertThat(state.hasRootRole("root")).isTrue();
    assertThat(state.hasRootRole("alice")).isFalse();
  }

  @Test
  void deletingARoleRevokesItFromUsersAndEveryChangeBumpsTheRevision() {
    AuthState without = state.withoutRole("a");
    assertThat(without.users().get("bob").getRolesList()).containsExactly("b");
    assertThat(without.revision()).isEqualTo(state.revision() + 1);
  }

  @Test
  void passwordHashesVerifyOnlyTheRightPasswordAndAreSalted() {
    PasswordHasher hasher = new PasswordHasher(1000);
    String first = hasher.hash("s3cret");
    assertThat(PasswordHasher.verify("s3cret", first)).isTrue();
    assertThat(PasswordHasher.verify("s3cre", first)).isFalse();
    assertThat(hasher.hash("s3cret")).isNotEqualTo(first).doesNotContain("s3cret");
    assertThat(PasswordHasher.verify("s3cret", "not-a-hash")).isFalse();
  }

  private static Role role(String name, Permission... permissions) {
    return Role.newBuilder().setName(bytes(name)).addAllKeyPermission(java.util.List.of(permissions)).build();
  }

  private static Permission perm(Permission.Type type, String key, String end) {
    return Permission.newBuilder().setPermType(type).setKey(bytes(key)).setRangeEnd(bytes(end)).build();
  }

  private static User user(String name, String... roles) {
    return User.newBuilder().setName(bytes(name)).addAllRoles(java.util.List.of(roles)).build();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

}
