package io.strata.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.strata.api.authpb.Role;
import io.strata.api.authpb.User;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * Users and roles in the {@link ColumnFamily#AUTH} family, as etcd's authpb messages. Keys are
 * {@code "user/" + name} and {@code "role/" + name}; a user's {@code password} holds only the
 * password hash. The enabled flag and the auth revision are {@link MetaKey} records.
 */
public final class AuthRecords {
  private static final String USER = "user/";
  private static final String ROLE = "role/";

  private AuthRecords() {}

  public static void putUser(StoreBatch batch, User user) {
    batch.put(ColumnFamily.AUTH, key(USER, user.getName().toStringUtf8()), user.toByteArray());
  }

  public static void deleteUser(StoreBatch batch, String name) {
    batch.delete(ColumnFamily.AUTH, key(USER, name));
  }

  public static void putRole(StoreBatch batch, Role role) {
    batch.put(ColumnFamily.AUTH, key(ROLE, role.getName().toStringUtf8()), role.toByteArray());
  }

  public static void deleteRole(StoreBatch batch, String name) {
    batch.delete(ColumnFamily.AUTH, key(ROLE, name));
  }

  /** Every user of a committed view, by name. */
  public static List<User> users(ReadView view) {
    List<User> users = new ArrayList<>();
    scan(view, USER, bytes -> users.add(User.parseFrom(bytes)));
    return users;
  }

  /** Every role of a committed view, by name. */
  public static List<Role> roles(ReadView view) {
    List<Role> roles = new ArrayList<>();
    scan(view, ROLE, bytes -> roles.add(Role.parseFrom(bytes)));
    return roles;
  }

  private interface Parser {
    void accept(byte[] bytes) throws InvalidProtocolBufferException;
  }

  private static void scan(ReadView view, String prefix, Parser parser) {
    byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
    try (RocksIterator it = view.iterator(ColumnFamily.AUTH)) {
      for (it.seek(start); it.isValid() && startsWith(it.key(), start); it.next()) {
        parser.accept(it.value());
      }
    } catch (InvalidProtocolBufferException e) {
      throw new StorageCorruptedException("undecodable auth record", e);
    }
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    if (key.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (key[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] key(String kind, String name) {
    return (kind + name).getBytes(StandardCharsets.UTF_8);
  }
}
