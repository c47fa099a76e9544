package io.strata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

  @Test
  void parsesHostAndPort() {
    assertThat(Endpoint.parse("127.0.0.1:2379")).isEqualTo(new Endpoint("127.0.0.1", 2379));
    assertThat(Endpoint.parse("localhost:23790")).isEqualTo(new Endpoint("localhost", 23790));
  }

  @Test
  void acceptsEtcdctlStyleHttpUrls() {
    assertThat(Endpoint.parse("http://127.0.0.1:2379/")).isEqualTo(new Endpoint("127.0.0.1", 2379));
  }

  @Test
  void acceptsHttpsUrlsAndSaysWhichSchemeWasWritten() {
    assertThat(Endpoint.parse("https://127.0.0.1:2379")).isEqualTo(new Endpoint("127.0.0.1", 2379));
    assertThat(Endpoint.parseUrl("https://localhost:2379/"))
        .isEqualTo(new Endpoint.Url(Endpoint.Scheme.HTTPS, new Endpoint("localhost", 2379)));
    assertThat(Endpoint.parseUrl("http://[::1]:2379").scheme()).isEqualTo(Endpoint.Scheme.HTTP);
    assertThat(Endpoint.parseUrl("127.0.0.1:2379").scheme()).isEqualTo(Endpoint.Scheme.NONE);
    assertThat(Endpoint.parseUrl("https://[::1]:2379")).hasToString("https://[::1]:2379");
  }

  @Test
  void parsesBracketedIpv6AndPrintsItBack() {
    Endpoint endpoint = Endpoint.parse("[::1]:2379");

    assertThat(endpoint.host()).isEqualTo("::1");
    assertThat(endpoint).hasToString("[::1]:2379");
  }

  @ParameterizedTest(name = "''{0}'' is rejected")
  @ValueSource(
      strings = {"127.0.0.1", ":2379", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:port",
          "https://127.0.0.1:2379/v3", "http://127.0.0.1:2379/v3", "user@127.0.0.1:2379",
          "unix://127.0.0.1:2379"})
  void rejectsAnythingButHostColonPort(String text) {
    assertThatThrownBy(() -> Endpoint.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
