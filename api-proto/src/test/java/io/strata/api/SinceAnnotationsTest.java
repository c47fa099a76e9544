package io.strata.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.strata.api.etcdserverpb.StatusResponse;
import io.strata.api.raftpb.Entry;
import io.strata.api.version.SinceProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every message and enum that can travel in a replicated entry names the version that introduced it. */
class SinceAnnotationsTest {
  private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+");

  @Test
  void everyMessageAndEnumReachableFromEntryIsAnnotated() {
    List<String> missing = new ArrayList<>();
    walk(Entry.getDescriptor(), new HashSet<>(), missing);
    assertThat(missing).as("messages or enums without a since annotation").isEmpty();
  }

  @Test
  void annotationsAreMajorDotMinor() {
    Set<String> seen = new HashSet<>();
    List<String> malformed = new ArrayList<>();
    walkVersions(Entry.getDescriptor(), seen, malformed);
    walkVersions(StatusResponse.getDescriptor(), seen, malformed);
    assertThat(malformed).isEmpty();
  }

  private static void walk(Descriptor message, Set<String> visited, List<String> missing) {
    if (!visited.add(message.getFullName())) {
      return;
    }
    if (!message.getOptions().hasExtension(SinceProto.msgSince)) {
      missing.add(message.getFullName());
    }
    for (FieldDescriptor field : message.getFields()) {
      if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        walk(field.getMessageType(), visited, missing);
      } else if (field.getType() == FieldDescriptor.Type.ENUM) {
        EnumDescriptor enumType = field.getEnumType();
        if (!enumType.getOptions().hasExtension(SinceProto.enumSince)) {
          missing.add(enumType.getFullName());
        }
      }
    }
  }

  private static void walkVersions(Descriptor message, Set<String> visited, List<String> malformed) {
    if (!visited.add(message.getFullName())) {
      return;
    }
    check(message.getFullName(), message.getOptions().getExtension(SinceProto.msgSince), malformed);
    for (FieldDescriptor field : message.getFields()) {
      if (field.getOptions().hasExtension(SinceProto.fieldSince)) {
        check(field.getFullName(), field.getOptions().getExtension(SinceProto.fieldSince), malformed);
      }
      if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        walkVersions(field.getMessageType(), visited, malformed);
      }
    }
  }

  private static void check(String name, String version, List<String> malformed) {
    if (!VERSION.matcher(version).matches()) {
      malformed.add(name + "=" + version);
    }
  }
}
