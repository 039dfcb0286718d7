package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientUsersTest {

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    final ClientUsers users = new ClientUsers(List.of(
            new ClientUsers.User("default", b("app-secret"), false, Set.of()),
            new ClientUsers.User("reporting", b("r3ad"), true, Set.of("read"))));

    @Test
    void authenticatesKnownPairsOnly() {
        assertTrue(users.required());
        assertEquals("default", users.authenticate("default", b("app-secret")).name());
        assertNull(users.authenticate("default", b("app-secreT")));
        assertNull(users.authenticate("default", b("")));
        assertNull(users.authenticate("nobody", b("app-secret")));
        UserGrant reporting = users.authenticate("reporting", b("r3ad"));
        assertTrue(reporting.readOnly());
        assertTrue(reporting.mayUse("read"));
        assertFalse(reporting.mayUse("write"));
    }

    @Test
    void noUsersMeansOpenAccessAndSecretsStayOutOfToString() {
        assertFalse(new ClientUsers(List.of()).required());
        assertTrue(ClientUsers.openAccess().mayUse("write"));
        String shown = new ClientUsers.User("default", b("app-secret"), false, Set.of()).toString();
        assertFalse(shown.contains("app-secret"), shown);
    }
}
