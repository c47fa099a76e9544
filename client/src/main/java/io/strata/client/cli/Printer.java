package io.strata.client.cli;

import com.google.protobuf.ByteString;
import io.strata.api.etcdserverpb.DeleteRangeResponse;
import io.strata.api.etcdserverpb.PutResponse;
import io.strata.api.etcdserverpb.RangeResponse;
import io.strata.api.etcdserverpb.ResponseOp;
import io.strata.api.etcdserverpb.TxnResponse;
import io.strata.api.etcdserverpb.WatchResponse;
import io.strata.api.mvccpb.Event;
import io.strata.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The printouts of the key-value commands (get, put, del, txn, watch) in each {@code -w} format,
 * byte for byte as etcdctl 3.4 prints them. Not thread-safe; one command's.
 *
 * <p>simple: a key-value is its key and its value, each on a line of its own, raw bytes (with
 * {@code --hex}: {@code \x66\x6f\x6f}); json: the response message as {@link GoJson}; table: not
 * supported for these ({@code Error: table not supported as output format}, exit 4).
 */
final class Printer {

  private final Output out;
  private final OutputFormat format;
  private final boolean hex;

  Printer(Output out, OutputFormat format, boolean hex) {
    this.out = out;
    this.format = format;
    this.hex = hex;
  }

  void get(RangeResponse response, boolean valueOnly) throws CtlException {
    switch (format) {
      case SIMPLE -> response.getKvsList().forEach(kv -> keyValue(kv, valueOnly));
      case JSON -> out.line(Json.writeGo(GoJson.of(response)));
      case TABLE -> throw CtlException.unsupportedFormat(format);
    }
  }

  void put(PutResponse response) throws CtlException {
    switch (format) {
      case SIMPLE -> simplePut(response);
      case JSON -> out.line(Json.writeGo(GoJson.of(response)));
      case TABLE -> throw CtlException.unsupportedFormat(format);
    }
  }

  void del(DeleteRangeResponse response) throws CtlException {
    switch (format) {
      case SIMPLE -> simpleDel(response);
      case JSON -> out.line(Json.writeGo(GoJson.of(response)));
      case TABLE -> throw CtlException.unsupportedFormat(format);
    }
  }

  void txn(TxnResponse response) throws CtlException {
    switch (format) {
      case SIMPLE -> simpleTxn(response);
      case JSON -> out.line(Json.writeGo(GoJson.of(response)));
      case TABLE -> throw CtlException.unsupportedFormat(format);
    }
  }

  /**
   * One watch response. json is clientv3's WatchResponse struct, whose fields have no tags:
   * {@code {"Header":{..},"Events":[..]|null,"CompactRevision":0,"Canceled":false,"Created":false}}.
   */
  void watch(WatchResponse response) throws CtlException {
    switch (format) {
      case SIMPLE -> {
        for (Event event : response.getEventsList()) {
          out.line(event.getType().name());
          if (event.hasPrevKv()) {
            keyValue(event.getPrevKv(), false);
          }
          keyValue(event.getKv(), false);
        }
      }
      case JSON -> {
        Map<String, Object> json = Json.object();
        json.put("Header", GoJson.of(response.getHeader()));
        List<Object> events = new ArrayList<>();
        response.getEventsList().forEach(event -> events.add(GoJson.of(event)));
        // clientv3 hands over a cancellation with an empty, non-nil event list.
        json.put("Events", events.isEmpty() && !response.getCanceled() ? null : events);
        json.put("CompactRevision", response.getCompactRevision());
        json.put("Canceled", response.getCanceled());
        json.put("Created", response.getCreated());
        out.line(Json.writeGo(json));
      }
      case TABLE -> throw CtlException.unsupportedFormat(format);
    }
  }

  /** A key (unless {@code valueOnly}) and its value, a line each. */
  void keyValue(KeyValue kv, boolean valueOnly) {
    if (!valueOnly) {
      bytesLine(kv.getKey());
    }
    bytesLine(kv.getValue());
  }

  private void bytesLine(ByteString bytes) {
    if (hex) {
      out.line(hex(bytes));
    } else {
      out.line(bytes);
    }
  }

  /** etcdctl's --hex form: each byte as {@code \xNN}. */
  static String hex(ByteString bytes) {
    String digits = HexFormat.of().formatHex(bytes.toByteArray());
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < digits.length(); i += 2) {
      text.append("\\x").append(digits, i, i + 2);
    }
    return text.toString();
  }

  private void simplePut(PutResponse response) {
    out.line("OK");
    if (response.hasPrevKv()) {
      keyValue(response.getPrevKv(), false);
    }
  }

  private void simpleDel(DeleteRangeResponse response) {
    out.line(Long.toString(response.getDeleted()));
    response.getPrevKvsList().forEach(kv -> keyValue(kv, false));
  }

  private void simpleTxn(TxnResponse response) {
    out.line(response.getSucceeded() ? "SUCCESS" : "FAILURE");
    for (ResponseOp op : response.getResponsesList()) {
      out.line();
      switch (op.getResponseCase()) {
        case RESPONSE_RANGE -> op.getResponseRange().getKvsList().forEach(kv -> keyValue(kv, false));
        case RESPONSE_PUT -> simplePut(op.getResponsePut());
        case RESPONSE_DELETE_RANGE -> simpleDel(op.getResponseDeleteRange());
        default -> out.line("unexpected response " + op.getResponseCase());
      }
    }
  }
}
