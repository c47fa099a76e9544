package io.strata.api.version;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.List;
import java.util.Map;

/**
 * The lowest Strata version that can read a message: the highest {@code since} among the message
 * and everything populated in it, found by reflection over the options of
 * {@code strata/version.proto}. The same function answers "may this entry stay in the log after a
 * downgrade to T?" online and in {@code strata migrate}, and "is this request introduced after the
 * version this member emulates?".
 *
 * <p>Rules: a field or enum value without its own annotation was introduced with its message or
 * enum; a message or enum without one is treated as {@link #BASELINE}. Unknown fields (written by
 * a newer version than this code knows) make the message unreadable here: {@link #UNKNOWN}.
 */
public final class MinimalVersion {
  /** The first version; every unannotated element belongs to it. */
  public static final Version BASELINE = new Version(1, 0);
  /** Above every real version: the message carries fields this build does not know. */
  public static final Version UNKNOWN = new Version(Integer.MAX_VALUE, 0);

  private MinimalVersion() {}

  public static Version of(MessageOrBuilder message) {
    Version messageSince = messageSince(message);
    Version highest = messageSince;
    if (!message.getUnknownFields().asMap().isEmpty()) {
      return UNKNOWN;
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      highest = max(highest, fieldSince(field.getKey(), messageSince));
      Object value = field.getValue();
      if (field.getKey().isRepeated()) {
        for (Object element : (List<?>) value) {
          highest = max(highest, valueSince(field.getKey(), element));
        }
      } else {
        highest = max(highest, valueSince(field.getKey(), value));
      }
    }
    return highest;
  }

  private static Version valueSince(FieldDescriptor field, Object value) {
    return switch (field.getJavaType()) {
      case MESSAGE -> of((MessageOrBuilder) value);
      case ENUM -> enumValueSince((EnumValueDescriptor) value);
      default -> BASELINE;
    };
  }

  private static Version messageSince(MessageOrBuilder message) {
    var options = message.getDescriptorForType().getOptions();
    return options.hasExtension(SinceProto.msgSince)
        ? Version.parse(options.getExtension(SinceProto.msgSince)) : BASELINE;
  }

  private static Version fieldSince(FieldDescriptor field, Version messageSince) {
    return field.getOptions().hasExtension(SinceProto.fieldSince)
        ? Version.parse(field.getOptions().getExtension(SinceProto.fieldSince)) : messageSince;
  }

  private static Version enumValueSince(EnumValueDescriptor value) {
    EnumDescriptor type = value.getType();
    Version enumSince = type.getOptions().hasExtension(SinceProto.enumSince)
        ? Version.parse(type.getOptions().getExtension(SinceProto.enumSince)) : BASELINE;
    return value.getOptions().hasExtension(SinceProto.enumValueSince)
        ? Version.parse(value.getOptions().getExtension(SinceProto.enumValueSince)) : enumSince;
  }

  private static Version max(Version a, Version b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
