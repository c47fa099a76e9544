package io.strata.server;

import io.strata.api.etcdserverpb.Member;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The members named by {@code --initial-cluster} ({@code name=peerURL,...}; a name may repeat to
 * give several URLs) and the ids derived from them. Every member computes the same ids from the
 * same flags, as etcd does: a member id hashes the member's sorted peer URLs and the cluster
 * token; the cluster id hashes the sorted member ids.
 */
record InitialCluster(List<Member> members, List<String> names, long clusterId) {

  static InitialCluster parse(String spec, String token) {
    Map<String, List<String>> urlsByName = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String trimmed = part.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq <= 0 || eq == trimmed.length() - 1) {
        throw new IllegalArgumentException("--initial-cluster entry is not name=URL: " + trimmed);
      }
      String url = trimmed.substring(eq + 1);
      peerAddress(url); // validates
      urlsByName.computeIfAbsent(trimmed.substring(0, eq), k -> new ArrayList<>()).add(url);
    }
    if (urlsByName.isEmpty()) {
      throw new IllegalArgumentException("--initial-cluster names no member");
    }
    List<Member> members = new ArrayList<>();
    TreeSet<Long> ids = new TreeSet<>(Long::compareUnsigned);
    for (Map.Entry<String, List<String>> entry : urlsByName.entrySet()) {
      long id = memberId(entry.getValue(), token);
      if (!ids.add(id)) {
        throw new IllegalArgumentException("--initial-cluster lists the same peer URLs twice");
      }
      members.add(Member.newBuilder().setID(id).addAllPeerURLs(entry.getValue()).build());
    }
    ByteBuffer idBytes = ByteBuffer.allocate(ids.size() * Long.BYTES);
    ids.forEach(idBytes::putLong);
    return new InitialCluster(List.copyOf(members), List.copyOf(urlsByName.keySet()), first8(sha256(idBytes.array())));
  }

  /** The member whose configured name is {@code name}. */
  Member memberNamed(String name) {
    int index = names.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException("--initial-cluster has no member named " + name
          + " (set --name to one of " + names + ")");
    }
    return members.get(index);
  }

  static long memberId(List<String> peerUrls, String token) {
    StringBuilder material = new StringBuilder();
    new TreeSet<>(peerUrls).forEach(material::append);
    material.append(token);
    return first8(sha256(material.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** host:port of a peer URL, the form jraft uses for peers. */
  static String peerAddress(String url) {
    URI uri = URI.create(url);
    if (uri.getHost() == null || uri.getPort() <= 0) {
      throw new IllegalArgumentException("peer URL needs a host and a port: " + url);
    }
    return uri.getHost() + ":" + uri.getPort();
  }

  private static byte[] sha256(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long first8(byte[] digest) {
    return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
  }
}
