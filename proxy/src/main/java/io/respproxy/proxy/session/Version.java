package io.respproxy.proxy.session;

/** respproxy's own version, from the jar manifest (the build sets Implementation-Version). */
public final class Version {

    private Version() {}

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
