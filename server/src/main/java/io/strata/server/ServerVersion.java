package io.strata.server;

/** The version this binary reports, in etcd's full semver form for the wire. */
final class ServerVersion {
  /** The newest version this build implements (DESIGN §2). */
  static final String CURRENT = "1.2";

  private ServerVersion() {}

  static String wire(String majorMinor) {
    return majorMinor + ".0";
  }
}
