package io.strata.server.auth;

import io.strata.api.authpb.Role;
import io.strata.api.authpb.User;
import io.strata.storage.AuthRecords;
import io.strata.storage.Backend;
import io.strata.storage.MetaKey;
import io.strata.storage.ReadView;
import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The member's view of the auth store: the current {@link AuthState} image (written only by the
 * apply thread) and the simple tokens every member learned through the log.
 *
 * <p>Simple tokens are etcd's default: a random string chosen by the member that checked the
 * password, recorded by every member when the Authenticate entry applies, valid for
 * {@code ttl} since its last use. Token expiry uses the monotonic clock and is member-local, as in
 * etcd; it never influences what the apply thread writes.
 *
 * <p>Threading: {@link #state()} and token lookups from any thread; mutations on the apply thread.
 */
public final class AuthStore {
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  private final Backend backend;
  private final LongSupplier nanoClock;
  private final long ttlNanos;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong tokenCounter = new AtomicLong();
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private volatile AuthState state = AuthState.EMPTY;

  private record Token(String user, long expiresAtNanos) {}

  public AuthStore(Backend backend, LongSupplier nanoClock, long ttlSeconds) {
    this.backend = backend;
    this.nanoClock = nanoClock;
    this.ttlNanos = TimeUnit.SECONDS.toNanos(ttlSeconds);
    reload();
  }

  /** Rebuilds the image from the committed store (start-up, snapshot install). */
  public void reload() {
    try (ReadView view = backend.readView()) {
      Map<String, User> users = new TreeMap<>();
      for (User user : AuthRecords.users(view)) {
        users.put(user.getName().toStringUtf8(), user);
      }
      Map<String, Role> roles = new TreeMap<>();
      for (Role role : AuthRecords.roles(view)) {
        roles.put(role.getName().toStringUtf8(), role);
      }
      state = new AuthState(view.metaLong(MetaKey.AUTH_ENABLED) == 1,
          Math.max(AuthState.EMPTY.revision(), view.metaLong(MetaKey.AUTH_REVISION)), users, roles);
    }
  }

  public AuthState state() {
    return state;
  }

  void setState(AuthState next) {
    state = next;
  }

  /** A fresh token for {@code user}, in etcd's simple-token shape: 16 letters, a dot, a counter. */
  String newToken() {
    StringBuilder token = new StringBuilder(24);
    for (int i = 0; i < 16; i++) {
      token.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return token.append('.').append(tokenCounter.incrementAndGet()).toString();
  }

  void addToken(String token, String user) {
    tokens.put(token, new Token(user, nanoClock.getAsLong() + ttlNanos));
  }

  /** Drops every token of {@code user} (deleted, or its password changed). */
  void revokeTokensOf(String user) {
    tokens.values().removeIf(t -> t.user().equals(user));
  }

  /** The user a valid token belongs to, or null; a valid token's life is extended by the TTL. */
  public String userOfToken(String token) {
    long now = nanoClock.getAsLong();
    Token found = tokens.get(token);
    if (found == null || now - found.expiresAtNanos() > 0) {
      if (found != null) {
        tokens.remove(token, found);
      }
      return null;
    }
    tokens.replace(token, found, new Token(found.user(), now + ttlNanos));
    return found.user();
  }
}
