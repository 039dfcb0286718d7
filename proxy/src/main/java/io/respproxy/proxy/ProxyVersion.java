package io.respproxy.proxy;

/** respproxy's own version, from the jar manifest (the build sets Implementation-Version). */
public final class ProxyVersion {

    private ProxyVersion() {}

    /** The version, or "dev" when running from classes outside the jar (IDE, tests). */
    public static String get() {
        String v = ProxyVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
