package io.strata.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A protobuf message of etcd's API as etcdctl's {@code -w json} prints it: Go's encoding/json of
 * the gogo-generated struct. Stateless.
 *
 * <p>The rules, which follow from how etcd's Go structs are tagged:
 *
 * <ul>
 *   <li>a field's key is its name in the .proto file ({@code cluster_id}, {@code dbSize}, {@code
 *       ID}, {@code prev_kv}); fields appear in declaration order;
 *   <li>every field is {@code omitempty}: zero numbers, false, empty strings, bytes and lists and
 *       absent messages are left out;
 *   <li>numbers are numbers (uint64 unsigned), enums their number, bytes base64 (standard, padded);
 *   <li>a oneof is an object keyed by the oneof's Go name holding one object keyed by the set
 *       field's Go name: {@code "Response":{"ResponsePut":{..}}};
 *   <li>fields etcd 3.4 does not have (Strata's additions and later etcd releases') are left out,
 *       so the bytes are etcdctl 3.4's against either server.
 * </ul>
 */
final class GoJson {

  /** Fields of Strata's proto that etcd 3.4's Go structs do not have, by full name. */
  private static final Set<String> NOT_IN_ETCD_3_4 =
      Set.of(
          "etcdserverpb.StatusResponse.storageVersion",
          "etcdserverpb.StatusResponse.dbSizeQuota",
          "etcdserverpb.StatusResponse.downgradeInfo",
          "etcdserverpb.StatusResponse.downgradeState",
          "etcdserverpb.HashKVResponse.hash_revision");

  private GoJson() {}

  /** The message as a {@link Json} value tree. */
  static Map<String, Object> of(Message message) {
    Map<String, Object> json = Json.object();
    Set<OneofDescriptor> oneofsDone = new HashSet<>();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (NOT_IN_ETCD_3_4.contains(field.getFullName())) {
        continue;
      }
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null) {
        if (oneofsDone.add(oneof)) {
          FieldDescriptor set = message.getOneofFieldDescriptor(oneof);
          if (set != null) {
            Map<String, Object> wrapper = Json.object();
            wrapper.put(goName(set.getName()), value(set, message.getField(set)));
            json.put(goName(oneof.getName()), wrapper);
          }
        }
        continue;
      }
      if (field.isRepeated()) {
        int count = message.getRepeatedFieldCount(field);
        if (count > 0) {
          List<Object> items = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            items.add(value(field, message.getRepeatedField(field, i)));
          }
          json.put(field.getName(), items);
        }
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (message.hasField(field)) {
          json.put(field.getName(), of((Message) message.getField(field)));
        }
      } else {
        Object value = message.getField(field);
        if (!isZero(field, value)) {
          json.put(field.getName(), value(field, value));
        }
      }
    }
    return json;
  }

  /** Base64 as Go's encoding/json writes a {@code []byte}. */
  static String base64(ByteString bytes) {
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  private static Object value(FieldDescriptor field, Object value) {
    return switch (field.getType()) {
      case UINT64, FIXED64 -> new Json.Unsigned((Long) value);
      case UINT32, FIXED32 -> Integer.toUnsignedLong((Integer) value);
      case BYTES -> base64((ByteString) value);
      case ENUM -> ((com.google.protobuf.Descriptors.EnumValueDescriptor) value).getNumber();
      case MESSAGE, GROUP -> of((Message) value);
      default -> value;
    };
  }

  private static boolean isZero(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case INT, LONG, FLOAT, DOUBLE -> ((Number) value).doubleValue() == 0;
      case BOOLEAN -> !((Boolean) value);
      case STRING -> ((String) value).isEmpty();
      case BYTE_STRING -> ((ByteString) value).isEmpty();
      case ENUM -> ((com.google.protobuf.Descriptors.EnumValueDescriptor) value).getNumber() == 0;
      case MESSAGE -> false;
    };
  }

  /** Go's exported name of a proto name: {@code response_put} becomes {@code ResponsePut}. */
  static String goName(String protoName) {
    StringBuilder name = new StringBuilder();
    for (String part : protoName.split("_")) {
      if (!part.isEmpty()) {
        name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
    }
    return name.toString();
  }
}
