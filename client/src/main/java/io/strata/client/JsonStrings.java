package io.strata.client;

import java.util.Locale;

/** JSON string literals, for the hand-written JSON output of the CLI and the benchmark. */
public final class JsonStrings {
  private JsonStrings() {}

  /** {@code value} as a quoted JSON string, with quotes, backslashes and control characters escaped. */
  public static String quote(String value) {
    StringBuilder json = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"').toString();
  }
}
