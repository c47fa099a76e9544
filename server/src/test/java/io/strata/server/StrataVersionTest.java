package io.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.storage.StorageSchema;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class StrataVersionTest {
  @Test
  void theBinaryCanBeExactlyTheVersionsTheStorageSchemaKnows() {
    assertThat(Arrays.stream(StrataVersion.values()).map(StrataVersion::version).toList())
        .isEqualTo(StorageSchema.VERSIONS);
    assertThat(StrataVersion.LATEST.version()).isEqualTo(StorageSchema.newest());
  }

  @Test
  void capabilitiesFollowTheVersionLine() {
    assertThat(StrataVersion.V1_0.supportsLearners()).isFalse();
    assertThat(StrataVersion.V1_1.supportsLearners()).isTrue();
    assertThat(StrataVersion.V1_1.supportsIdempotentWrites()).isFalse();
    assertThat(StrataVersion.V1_2.supportsIdempotentWrites()).isTrue();
    assertThat(StrataVersion.of("1.1")).isEqualTo(StrataVersion.V1_1);
    assertThatThrownBy(() -> StrataVersion.of("1.3")).hasMessageContaining("not one this binary can be");
  }
}
