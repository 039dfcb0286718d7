/** Testcontainers-backed providers; needs the optional org.testcontainers:testcontainers dependency. */
package io.respproxy.testkit.containers;
