package io.strata.server.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class StrataLoggingTest {
  private final List<String> written = new CopyOnWriteArrayList<>();

  @AfterEach
  void restoreDefaults() {
    StrataLogging.configure(Level.INFO, LogFormat.CONSOLE, System.err::print);
  }

  @Test
  void json_lines_carry_level_ts_logger_caller_thread_msg_and_the_error() {
    StrataLogging.configure(Level.INFO, LogFormat.JSON, written::add);
    Logger log = new StrataLogger("io.strata.server.StrataServer");
    log.info("member {} serving \"clients\"\non {}", "n1", "127.0.0.1:2379");
    log.error("fatal error, stopping the member{}", "; the data dir's disk is full", new IOException("No space left on device"));

    assertThat(written).hasSize(2).allSatisfy(line -> {
      assertThat(line).endsWith("}\n");
      assertThat(line.indexOf('\n')).as("one line per record").isEqualTo(line.length() - 1);
    });
    JsonObject info = JsonParser.parseString(written.get(0)).getAsJsonObject();
    assertThat(info.get("level").getAsString()).isEqualTo("info");
    assertThat(info.get("ts").getAsString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(info.get("logger").getAsString()).isEqualTo("io.strata.server.StrataServer");
    assertThat(info.get("caller").getAsString()).matches("StrataLoggingTest\\.java:\\d+");
    assertThat(info.get("thread").getAsString()).isEqualTo(Thread.currentThread().getName());
    assertThat(info.get("msg").getAsString()).isEqualTo("member n1 serving \"clients\"\non 127.0.0.1:2379");
    assertThat(info.has("error")).isFalse();

    JsonObject error = JsonParser.parseString(written.get(1)).getAsJsonObject();
    assertThat(error.get("level").getAsString()).isEqualTo("error");
    assertThat(error.get("msg").getAsString()).isEqualTo("fatal error, stopping the member; the data dir's disk is full");
    assertThat(error.get("error").getAsString()).isEqualTo("java.io.IOException: No space left on device");
    assertThat(error.get("stacktrace").getAsString()).startsWith("java.io.IOException: No space left on device\n\tat ");
  }

  @Test
  void console_lines_keep_the_format_of_earlier_versions() {
    StrataLogging.configure(Level.INFO, LogFormat.CONSOLE, written::add);
    Logger log = new StrataLogger("io.strata.server.StrataServer");
    log.warn("the member has been permanently removed from the cluster; stopping");
    log.error("saving a snapshot failed", new IllegalStateException("boom"));
    assertThat(written.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} \\["
        + java.util.regex.Pattern.quote(Thread.currentThread().getName()) + "\\] WARN io\\.strata\\.server\\.StrataServer"
        + " - the member has been permanently removed from the cluster; stopping\n");
    assertThat(written.get(1)).contains(" ERROR io.strata.server.StrataServer - saving a snapshot failed\n"
        + "java.lang.IllegalStateException: boom\n\tat ");
  }

  @Test
  void the_level_filters_records_and_jraft_and_grpc_stay_at_warn() {
    StrataLogging.configure(Level.WARN, LogFormat.CONSOLE, written::add);
    Logger server = new StrataLogger("io.strata.server.StrataServer");
    server.info("not written");
    server.warn("written");
    assertThat(written).hasSize(1);
    assertThat(server.isInfoEnabled()).isFalse();

    StrataLogging.configure(Level.DEBUG, LogFormat.CONSOLE, written::add);
    assertThat(server.isDebugEnabled()).isTrue();
    assertThat(new StrataLogger("com.alipay.sofa.jraft.core.NodeImpl").isInfoEnabled()).isFalse();
    assertThat(new StrataLogger("io.grpc.netty").isWarnEnabled()).isTrue();

    StrataLogging.configure(Level.ERROR, LogFormat.CONSOLE, written::add);
    assertThat(new StrataLogger("com.alipay.sofa.jraft.core.NodeImpl").isWarnEnabled()).isFalse();
  }

  @Test
  void flags_take_etcds_level_and_format_names() {
    assertThat(StrataLogging.parseLevel("debug")).isEqualTo(Level.DEBUG);
    assertThat(StrataLogging.parseLevel("WARN")).isEqualTo(Level.WARN);
    assertThat(LogFormat.parse("json")).isEqualTo(LogFormat.JSON);
    assertThat(LogFormat.parse("console")).isEqualTo(LogFormat.CONSOLE);
    assertThatThrownBy(() -> StrataLogging.configure("verbose", "json"))
        .hasMessage("unknown log level \"verbose\"; expected debug, info, warn or error");
    assertThatThrownBy(() -> StrataLogging.configure("info", "text"))
        .hasMessage("unknown log format \"text\"; expected console or json");
  }

  @Test
  void slf4j_and_java_util_logging_both_reach_this_provider() {
    StrataLogging.install();
    StrataLogging.configure(Level.INFO, LogFormat.JSON, written::add);
    assertThat(LoggerFactory.getILoggerFactory().getLogger("x")).isInstanceOf(StrataLogger.class);
    java.util.logging.Logger.getLogger("io.grpc.internal.SerializingExecutor").warning("from java.util.logging");
    assertThat(written).hasSize(1);
    JsonObject line = JsonParser.parseString(written.get(0)).getAsJsonObject();
    assertThat(line.get("level").getAsString()).isEqualTo("warn");
    assertThat(line.get("logger").getAsString()).isEqualTo("io.grpc.internal.SerializingExecutor");
    assertThat(line.get("msg").getAsString()).isEqualTo("from java.util.logging");
  }
}
