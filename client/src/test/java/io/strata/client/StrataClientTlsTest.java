package io.strata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import io.strata.api.etcdserverpb.KVGrpc;
import io.strata.api.etcdserverpb.RangeRequest;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.mvccpb.KeyValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's TLS settings against a Netty gRPC server on loopback that requires client
 * certificates, with a CA, a server and a client certificate made by openssl for the test.
 */
class StrataClientTlsTest {
  private static final String SERVER_NAME = "member.strata.test";

  @TempDir static Path dir;
  private Server server;
  private final List<String> clientSubjects = new CopyOnWriteArrayList<>();

  private static void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/openssl"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("openssl %s: %s", args[0], output).isZero();
  }

  /** A key and a certificate for {@code name}, signed by the test CA, with {@code extensions}. */
  private static void issue(String name, String subject, String extensions) throws Exception {
    Files.writeString(dir.resolve(name + ".ext"), extensions + "\n");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".pem", "-days", "1", "-extfile", name + ".ext");
  }

  @BeforeAll
  static void makeCertificates() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=strata-test-ca");
    issue("server", "/CN=member", "subjectAltName=DNS:" + SERVER_NAME + "\nextendedKeyUsage=serverAuth");
    issue("client", "/CN=app-client", "extendedKeyUsage=clientAuth");
  }

  @BeforeEach
  void startServer() throws Exception {
    TlsServerCredentials credentials = (TlsServerCredentials) TlsServerCredentials.newBuilder()
        .keyManager(dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile())
        .trustManager(dir.resolve("ca.pem").toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
    ServerInterceptor recordClient = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        try {
          clientSubjects.add(session.getPeerPrincipal().getName());
        } catch (SSLPeerUnverifiedException e) {
          clientSubjects.add("unverified");
        }
        return next.startCall(call, headers);
      }
    };
    server = Grpc.newServerBuilderForPort(0, credentials)
        .addService(ServerInterceptors.intercept(new KVGrpc.KVImplBase() {
          @Override
          public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
            response.onNext(RangeResponse.newBuilder().addKvs(KeyValue.newBuilder().setKey(request.getKey())
                .setValue(ByteString.copyFromUtf8("over tls"))).setCount(1).build());
            response.onCompleted();
          }
        }, recordClient))
        .build().start();
  }

  @AfterEach
  void stopServer() {
    server.shutdownNow();
  }

  private StrataClient.Builder builder() {
    return StrataClient.builder().endpoints("https://127.0.0.1:" + server.getPort())
        .requestTimeout(Duration.ofSeconds(1));
  }

  @Test
  void a_client_with_the_ca_a_client_certificate_and_the_server_name_talks_tls() {
    try (StrataClient client = builder()
        .trustedCaFile(dir.resolve("ca.pem"))
        .clientCertificate(dir.resolve("client.pem"), dir.resolve("client.key"))
        .serverNameOverride(SERVER_NAME)
        .build()) {
      RangeResponse answer = client.kv().get(ByteString.copyFromUtf8("k")).join();
      assertThat(answer.getKvs(0).getValue().toStringUtf8()).isEqualTo("over tls");
    }
    assertThat(clientSubjects).containsExactly("CN=app-client");
  }

  @Test
  void without_a_client_certificate_the_server_refuses_the_connection() {
    try (StrataClient client = builder().trustedCaFile(dir.resolve("ca.pem")).serverNameOverride(SERVER_NAME).build()) {
      assertThatThrownBy(() -> client.kv().get(ByteString.copyFromUtf8("k")).join())
          .cause().isInstanceOf(StatusRuntimeException.class);
    }
    assertThat(clientSubjects).isEmpty();
  }

  @Test
  void a_server_name_that_does_not_match_the_certificate_is_refused() {
    try (StrataClient client = builder()
        .trustedCaFile(dir.resolve("ca.pem"))
        .clientCertificate(dir.resolve("client.pem"), dir.resolve("client.key"))
        .build()) { // checks 127.0.0.1 against a certificate for member.strata.test
      assertThatThrownBy(() -> client.kv().get(ByteString.copyFromUtf8("k")).join())
          .cause().isInstanceOf(StatusRuntimeException.class);
    }
    assertThat(clientSubjects).isEmpty();
  }

  @Test
  void insecure_skip_verify_accepts_a_certificate_of_an_unknown_ca_for_another_name() {
    try (StrataClient client = builder() // no CA: the server's certificate is signed by an unknown CA
        .clientCertificate(dir.resolve("client.pem"), dir.resolve("client.key"))
        .insecureSkipVerify() // and names member.strata.test, not 127.0.0.1
        .build()) {
      RangeResponse answer = client.kv().get(ByteString.copyFromUtf8("k")).join();
      assertThat(answer.getKvs(0).getValue().toStringUtf8()).isEqualTo("over tls");
    }
    assertThat(clientSubjects).containsExactly("CN=app-client");
  }

  @Test
  void connect_completes_once_the_tls_connection_is_open_and_fails_at_once_when_it_is_refused() throws Exception {
    Endpoint endpoint = new Endpoint("127.0.0.1", server.getPort());
    try (StrataClient client = builder()
        .trustedCaFile(dir.resolve("ca.pem"))
        .clientCertificate(dir.resolve("client.pem"), dir.resolve("client.key"))
        .serverNameOverride(SERVER_NAME)
        .build()) {
      assertThat(client.connect(endpoint, Duration.ofSeconds(10))).succeedsWithin(Duration.ofSeconds(10));
    }
    try (StrataClient client = builder().trustedCaFile(dir.resolve("ca.pem")).serverNameOverride(SERVER_NAME).build()) {
      long start = System.nanoTime();
      assertThat(client.connect(endpoint, Duration.ofSeconds(30)))
          .failsWithin(Duration.ofSeconds(30))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed at the refused handshake, not at the timeout")
          .isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  void connect_to_a_closed_port_fails_with_unavailable() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (StrataClient client = StrataClient.builder().endpoints("127.0.0.1:" + closedPort).build()) {
      assertThat(client.connect(new Endpoint("127.0.0.1", closedPort), Duration.ofSeconds(30)))
          .failsWithin(Duration.ofSeconds(30))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void tls_settings_with_http_endpoints_are_refused() {
    assertThatThrownBy(() -> StrataClient.builder().endpoints("http://127.0.0.1:2379").tls().build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://");
  }
}
