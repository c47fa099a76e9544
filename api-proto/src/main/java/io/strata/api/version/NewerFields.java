package io.strata.api.version;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Removes from a message everything a version does not know, driven only by the {@code since}
 * annotations (no per-field code): the downgrade cleanup of persisted records. A field introduced
 * after the target is cleared; a nested message is cleaned recursively.
 */
public final class NewerFields {
  private NewerFields() {}

  /** {@code message} without the fields introduced after {@code target} (the same instance when nothing changes). */
  @SuppressWarnings("unchecked")
  public static <M extends Message> M clearNewerThan(M message, Version target) {
    Version messageSince = MinimalVersion.BASELINE;
    var options = message.getDescriptorForType().getOptions();
    if (options.hasExtension(SinceProto.msgSince)) {
      messageSince = Version.parse(options.getExtension(SinceProto.msgSince));
    }
    Message.Builder builder = null;
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      Version since = descriptor.getOptions().hasExtension(SinceProto.fieldSince)
          ? Version.parse(descriptor.getOptions().getExtension(SinceProto.fieldSince)) : messageSince;
      if (since.isNewerThan(target)) {
        builder = builder == null ? message.toBuilder() : builder;
        builder.clearField(descriptor);
        continue;
      }
      if (descriptor.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (descriptor.isRepeated()) {
        List<Object> cleaned = new ArrayList<>();
        boolean changed = false;
        for (Object element : (List<?>) field.getValue()) {
          Message clean = clearNewerThan((Message) element, target);
          changed |= clean != element;
          cleaned.add(clean);
        }
        if (changed) {
          builder = builder == null ? message.toBuilder() : builder;
          builder.setField(descriptor, cleaned);
        }
      } else {
        Message value = (Message) field.getValue();
        Message clean = clearNewerThan(value, target);
        if (clean != value) {
          builder = builder == null ? message.toBuilder() : builder;
          builder.setField(descriptor, clean);
        }
      }
    }
    return builder == null ? message : (M) builder.build();
  }
}
