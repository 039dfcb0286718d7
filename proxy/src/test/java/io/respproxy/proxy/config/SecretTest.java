package io.respproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretTest {

    @Test
    void neverPrintsItsValue() {
        Secret s = Secret.of("hunter2");
        assertEquals("***", s.toString());
        assertEquals("***", String.valueOf(s));
        UserConfig user = new UserConfig("app", s, false, Optional.empty());
        assertFalse(user.toString().contains("hunter2"), user.toString());
        assertTrue(user.toString().contains("***"), user.toString());
    }

    @Test
    void comparesValues() {
        Secret s = Secret.of("hunter2");
        assertTrue(s.matches("hunter2"));
        assertTrue(s.matches("hunter2".getBytes(StandardCharsets.UTF_8)));
        assertFalse(s.matches("hunter3"));
        assertFalse(s.matches((String) null));
        assertEquals(s, Secret.of("hunter2"));
        assertEquals("hunter2", s.reveal());
    }
}
