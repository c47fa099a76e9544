package io.strata.client.cli;

import io.strata.client.JsonStrings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the few JSON shapes stratactl prints: objects in insertion order, arrays, strings,
 * booleans and numbers, on one line. Values are {@link Map}, {@link List}, {@link String}, {@link
 * Boolean}, {@link Number} or {@link Unsigned} (a uint64 printed as Go's encoding/json prints it).
 * Stateless.
 */
final class Json {

  /** A uint64 held in a long, printed as an unsigned decimal number. */
  record Unsigned(long value) {
    @Override
    public String toString() {
      return Long.toUnsignedString(value);
    }
  }

  private Json() {}

  /** A new, insertion-ordered object to fill. */
  static Map<String, Object> object() {
    return new LinkedHashMap<>();
  }

  static String write(Object value) {
    StringBuilder json = new StringBuilder();
    append(json, value);
    return json.toString();
  }

  /**
   * As {@link #write}, with strings escaped as Go's encoding/json escapes them ({@code <}, {@code
   * >}, {@code &}, U+2028 and U+2029 as {@code \\u} escapes), for the outputs that must match
   * etcdctl's byte for byte.
   */
  static String writeGo(Object value) {
    StringBuilder json = new StringBuilder();
    append(json, value);
    return goEscaped(json);
  }

  private static String goEscaped(CharSequence json) {
    StringBuilder escaped = new StringBuilder(json.length());
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      switch (c) {
        case '<' -> escaped.append("\\u003c");
        case '>' -> escaped.append("\\u003e");
        case '&' -> escaped.append("\\u0026");
        case '\u2028' -> escaped.append("\\u2028");
        case '\u2029' -> escaped.append("\\u2029");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static void append(StringBuilder json, Object value) {
    if (value instanceof Map<?, ?> map) {
      json.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) {
          json.append(',');
        }
        first = false;
        appendString(json, entry.getKey().toString());
        json.append(':');
        append(json, entry.getValue());
      }
      json.append('}');
    } else if (value instanceof List<?> list) {
      json.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          json.append(',');
        }
        append(json, list.get(i));
      }
      json.append(']');
    } else if (value instanceof String string) {
      appendString(json, string);
    } else if (value instanceof Boolean || value instanceof Number || value instanceof Unsigned) {
      json.append(value);
    } else if (value == null) {
      json.append("null");
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass());
    }
  }

  private static void appendString(StringBuilder json, String value) {
    json.append(JsonStrings.quote(value));
  }

}
