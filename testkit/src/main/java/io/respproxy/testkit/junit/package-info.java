/** JUnit 5 helpers for the testkit; needs the optional JUnit dependency. Production code must not use this. */
package io.respproxy.testkit.junit;
