package io.strata.e2e.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * etcdctl's {@code -w json} output, made comparable across clusters: the top-level header's
 * {@code cluster_id}, {@code member_id} and {@code raft_term} differ from run to run and are
 * removed; everything else (revisions, versions, omitted zero fields, inner headers) stays.
 */
final class EtcdJson {
  private EtcdJson() {}

  static JsonElement parse(String json) {
    return JsonParser.parseString(json);
  }

  /** The output with the top-level header's identity fields removed. */
  static JsonElement normalized(String stdout) {
    JsonElement e = parse(stdout.trim());
    if (e.isJsonObject() && e.getAsJsonObject().has("header")) {
      JsonObject header = e.getAsJsonObject().getAsJsonObject("header");
      header.remove("cluster_id");
      header.remove("member_id");
      header.remove("raft_term");
    }
    return e;
  }

  /**
   * An expected document written with single quotes for readability:
   * {@code json("{'header':{'revision':%d}}", rev)}.
   */
  static JsonElement json(String template, Object... args) {
    return parse(String.format(template, args).replace('\'', '"'));
  }

  /** Keys and values appear base64-encoded in etcdctl's JSON. */
  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
