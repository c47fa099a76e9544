package io.strata.server.auth;

import com.google.protobuf.ByteString;
import io.strata.api.authpb.Permission;
import io.strata.api.authpb.Role;
import io.strata.api.authpb.User;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable image of the auth store: enabled flag, revision, users and roles. Replaced as a
 * whole on every change (copy on write), so readers on any thread see a consistent image.
 *
 * <p>Permission rules (etcd's): the root role may do everything; otherwise a request on
 * [key, rangeEnd) is allowed when the union of the key ranges that the user's roles grant with a
 * matching type (READWRITE matches both) covers it. A permission or request with an empty range
 * end covers the single key; a range end of one 0x00 byte means "to the end of the key space".
 */
public record AuthState(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles) {
  public static final String ROOT = "root";

  /** etcd's auth revision starts at 1, so that 0 can mean "no auth information" in an entry. */
  public static final AuthState EMPTY = new AuthState(false, 1, Map.of(), Map.of());

  public AuthState {
    users = Map.copyOf(users);
    roles = Map.copyOf(roles);
  }

  public boolean hasRootRole(String user) {
    User u = users.get(user);
    return u != null && u.getRolesList().contains(ROOT);
  }

  /** Whether {@code user} may read ({@code write} false) or write [key, rangeEnd). */
  public boolean permitted(String user, ByteString key, ByteString rangeEnd, boolean write) {
    User u = users.get(user);
    if (u == null) {
      return false;
    }
    if (u.getRolesList().contains(ROOT)) {
      return true;
    }
    List<Interval> granted = new ArrayList<>();
    for (String roleName : u.getRolesList()) {
      Role role = roles.get(roleName);
      if (role == null) {
        continue;
      }
      for (Permission permission : role.getKeyPermissionList()) {
        boolean matches = permission.getPermType() == Permission.Type.READWRITE
            || (write ? permission.getPermType() == Permission.Type.WRITE
                : permission.getPermType() == Permission.Type.READ);
        if (matches) {
          granted.add(Interval.of(permission.getKey(), permission.getRangeEnd()));
        }
      }
    }
    return covered(Interval.of(key, rangeEnd), granted);
  }

  public AuthState withEnabled(boolean on) {
    return new AuthState(on, revision + 1, users, roles);
  }

  public AuthState withUser(User user) {
    Map<String, User> next = new TreeMap<>(users);
    next.put(user.getName().toStringUtf8(), user);
    return new AuthState(enabled, revision + 1, next, roles);
  }

  public AuthState withoutUser(String name) {
    Map<String, User> next = new TreeMap<>(users);
    next.remove(name);
    return new AuthState(enabled, revision + 1, next, roles);
  }

  public AuthState withRole(Role role) {
    Map<String, Role> next = new TreeMap<>(roles);
    next.put(role.getName().toStringUtf8(), role);
    return new AuthState(enabled, revision + 1, users, next);
  }

  /** Deletes a role and revokes it from every user. */
  public AuthState withoutRole(String name) {
    Map<String, Role> nextRoles = new TreeMap<>(roles);
    nextRoles.remove(name);
    Map<String, User> nextUsers = new TreeMap<>(users);
    for (Map.Entry<String, User> entry : users.entrySet()) {
      if (entry.getValue().getRolesList().contains(name)) {
        List<String> kept = new ArrayList<>(entry.getValue().getRolesList());
        kept.remove(name);
        nextUsers.put(entry.getKey(), entry.getValue().toBuilder().clearRoles().addAllRoles(kept).build());
      }
    }
    return new AuthState(enabled, revision + 1, nextUsers, nextRoles);
  }

  /** [start, end); end null means unbounded. */
  record Interval(ByteString start, ByteString end) {
    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    static Interval of(ByteString key, ByteString rangeEnd) {
      if (rangeEnd.isEmpty()) {
        return new Interval(key, key.concat(ByteString.copyFrom(new byte[] {0})));
      }
      if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
        return new Interval(key, null);
      }
      return new Interval(key, rangeEnd);
    }
  }

  private static boolean covered(Interval wanted, List<Interval> granted) {
    if (wanted.end() != null && Interval.ORDER.compare(wanted.start(), wanted.end()) >= 0) {
      return granted.stream().anyMatch(g -> contains(g, wanted.start()));
    }
    granted.sort((a, b) -> Interval.ORDER.compare(a.start(), b.start()));
    ByteString reached = wanted.start();
    for (Interval g : granted) {
      if (Interval.ORDER.compare(g.start(), reached) > 0) {
        break;
      }
      if (g.end() == null) {
        return true;
      }
      if (Interval.ORDER.compare(g.end(), reached) > 0) {
        reached = g.end();
      }
      if (wanted.end() != null && Interval.ORDER.compare(reached, wanted.end()) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(Interval g, ByteString key) {
    return Interval.ORDER.compare(g.start(), key) <= 0
        && (g.end() == null || Interval.ORDER.compare(key, g.end()) < 0);
  }
}
