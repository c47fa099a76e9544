package io.strata.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.strata.api.authpb.Permission;
import io.strata.api.etcdserverpb.AuthRoleAddRequest;
import io.strata.api.etcdserverpb.AuthRoleDeleteRequest;
import io.strata.api.etcdserverpb.AuthRoleGetRequest;
import io.strata.api.etcdserverpb.AuthRoleGetResponse;
import io.strata.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.strata.api.etcdserverpb.AuthRoleListResponse;
import io.strata.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stratactl role add|delete|get|list|grant-permission|revoke-permission}: etcdctl's role
 * commands. A permission covers a key, a range {@code [key, endkey)}, a prefix ({@code --prefix})
 * or every key from one on ({@code --from-key}); an empty key with either flag means the whole key
 * space. Each runs on the calling thread.
 */
@Command(
    name = "role",
    description = "Role related commands",
    subcommands = {
      RoleCommand.Add.class,
      RoleCommand.Delete.class,
      RoleCommand.Get.class,
      RoleCommand.ListRoles.class,
      RoleCommand.GrantPermission.class,
      RoleCommand.RevokePermission.class
    })
final class RoleCommand extends GroupCommand {

  @Command(name = "add", description = "Adds a new role")
  static final class Add extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<role name>", description = "role")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("role add command requires role name as its argument");
      }
      Message response = withConnection(c -> c.roleAdd(AuthRoleAddRequest.newBuilder().setName(args.get(0)).build()));
      return printSimpleOrJson(response, "Role " + args.get(0) + " created");
    }
  }

  @Command(name = "delete", description = "Deletes a role")
  static final class Delete extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<role name>", description = "role")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("role delete command requires role name as its argument");
      }
      Message response =
          withConnection(c -> c.roleDelete(AuthRoleDeleteRequest.newBuilder().setRole(args.get(0)).build()));
      return printSimpleOrJson(response, "Role " + args.get(0) + " deleted");
    }
  }

  @Command(name = "get", description = "Gets detailed information of a role")
  static final class Get extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "<role name>", description = "role")
    List<String> args = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (args.size() != 1) {
        throw CtlException.badArgs("role get command requires role name as its argument");
      }
      AuthRoleGetResponse response =
          withConnection(c -> c.roleGet(AuthRoleGetRequest.newBuilder().setRole(args.get(0)).build()));
      return printSimpleOrJson(response, roleText(args.get(0), response));
    }
  }

  @Command(name = "list", description = "Lists all roles")
  static final class ListRoles extends CtlCommand {
    @Override
    int run() throws Exception {
      AuthRoleListResponse response = withConnection(Connection::roleList);
      return printSimpleOrJson(response, String.join("\n", response.getRolesList()));
    }
  }

  @Command(name = "grant-permission", description = "Grants a key to a role")
  static final class GrantPermission extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "[options] <role name> <permission type> <key> [endkey]", description = "permission")
    List<String> args = new ArrayList<>();

    @Option(names = "--prefix", arity = "0..1", fallbackValue = "true", description = "grant a prefix permission")
    boolean prefix;

    @Option(names = "--from-key", arity = "0..1", fallbackValue = "true",
        description = "grant a permission of keys that are greater than or equal to the given key using byte compare")
    boolean fromKey;

    @Override
    int run() throws Exception {
      if (args.size() < 3) {
        throw CtlException.badArgs(
            "role grant command requires role name, permission type, and key [endkey] as its argument");
      }
      Permission.Type type;
      try {
        type = Permission.Type.valueOf(args.get(1).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw CtlException.badArgs("invalid permission type: " + args.get(1));
      }
      ByteString[] range = range(args.subList(2, args.size()), prefix, fromKey);
      AuthRoleGrantPermissionRequest request =
          AuthRoleGrantPermissionRequest.newBuilder()
              .setName(args.get(0))
              .setPerm(Permission.newBuilder().setPermType(type).setKey(range[0]).setRangeEnd(range[1]))
              .build();
      Message response = withConnection(c -> c.roleGrantPermission(request));
      return printSimpleOrJson(response, "Role " + args.get(0) + " updated");
    }
  }

  @Command(name = "revoke-permission", description = "Revokes a key from a role")
  static final class RevokePermission extends CtlCommand {
    @Parameters(arity = "0..*", paramLabel = "[options] <role name> <key> [endkey]", description = "permission")
    List<String> args = new ArrayList<>();

    @Option(names = "--prefix", arity = "0..1", fallbackValue = "true", description = "revoke a prefix permission")
    boolean prefix;

    @Option(names = "--from-key", arity = "0..1", fallbackValue = "true",
        description = "revoke a permission of keys that are greater than or equal to the given key using byte compare")
    boolean fromKey;

    @Override
    int run() throws Exception {
      if (args.size() < 2) {
        throw CtlException.badArgs(
            "role revoke-permission command requires role name and key [endkey] as its argument");
      }
      ByteString[] range = range(args.subList(1, args.size()), prefix, fromKey);
      AuthRoleRevokePermissionRequest request =
          AuthRoleRevokePermissionRequest.newBuilder()
              .setRole(args.get(0))
              .setKey(range[0])
              .setRangeEnd(range[1])
              .build();
      Message response = withConnection(c -> c.roleRevokePermission(request));
      String key = range[0].toStringUtf8();
      String end = range[1].toStringUtf8();
      String text;
      if (end.isEmpty()) {
        text = "Permission of key " + key + " is revoked from role " + args.get(0);
      } else if (!end.equals("\0")) {
        text = "Permission of range [" + key + ", " + end + ") is revoked from role " + args.get(0);
      } else {
        text = "Permission of range [" + key + ", <open ended> is revoked from role " + args.get(0);
      }
      return printSimpleOrJson(response, text);
    }
  }

  /** The key and range end a permission's arguments and flags ask for, as etcdctl derives them. */
  static ByteString[] range(List<String> keyArgs, boolean prefix, boolean fromKey)
      throws CtlException {
    String key = keyArgs.get(0);
    if (prefix && fromKey) {
      throw CtlException.badArgs("--from-key and --prefix flags are mutually exclusive");
    }
    if (key.isEmpty()) {
      // The empty key is stored as "\0"; with --prefix or --from-key it covers every key.
      return new ByteString[] {
        KeyRanges.FROM_KEY, prefix || fromKey ? KeyRanges.FROM_KEY : ByteString.EMPTY
      };
    }
    ByteString keyBytes = KeyRanges.utf8(key);
    if (keyArgs.size() == 1) {
      if (prefix) {
        return new ByteString[] {keyBytes, KeyRanges.prefixEnd(keyBytes)};
      }
      return new ByteString[] {keyBytes, fromKey ? KeyRanges.FROM_KEY : ByteString.EMPTY};
    }
    if (prefix) {
      throw CtlException.badArgs("unexpected endkey argument with --prefix flag");
    }
    if (fromKey) {
      throw CtlException.badArgs("unexpected endkey argument with --from-key flag");
    }
    return new ByteString[] {keyBytes, KeyRanges.utf8(keyArgs.get(1))};
  }

  /** {@code role get}'s simple printout: the read, then the write permissions. */
  static String roleText(String role, AuthRoleGetResponse response) {
    StringBuilder text = new StringBuilder("Role ").append(role).append("\nKV Read:\n");
    for (Permission perm : response.getPermList()) {
      if (perm.getPermType() == Permission.Type.READ || perm.getPermType() == Permission.Type.READWRITE) {
        text.append(permissionText(perm));
      }
    }
    text.append("KV Write:\n");
    for (Permission perm : response.getPermList()) {
      if (perm.getPermType() == Permission.Type.WRITE || perm.getPermType() == Permission.Type.READWRITE) {
        text.append(permissionText(perm));
      }
    }
    return text.substring(0, text.length() - 1);
  }

  private static String permissionText(Permission perm) {
    String key = perm.getKey().toStringUtf8();
    if (perm.getRangeEnd().isEmpty()) {
      return "\t" + key + "\n";
    }
    String end = perm.getRangeEnd().toStringUtf8();
    StringBuilder text = new StringBuilder();
    if (!end.equals("\0")) {
      text.append("\t[").append(key).append(", ").append(end).append(")");
    } else {
      text.append("\t[").append(key).append(", <open ended>");
    }
    if (KeyRanges.prefixEnd(perm.getKey()).equals(perm.getRangeEnd())) {
      text.append(" (prefix ").append(key).append(")");
    }
    return text.append("\n").toString();
  }
}
