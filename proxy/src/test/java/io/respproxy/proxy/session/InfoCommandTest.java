package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class InfoCommandTest {

    @Test
    void keyspacesOfTheMastersAreSummedIntoTheFirstMastersInfo() {
        String a = "# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=100\r\n"
                + "\r\n# Cluster\r\ncluster_enabled:1\r\n";
        String b = "# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=30,expires=0,avg_ttl=0\r\n"
                + "db1:keys=1,expires=1,avg_ttl=5\r\n";
        String c = "# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\n";
        assertEquals("# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=40,expires=2,avg_ttl=25\r\n"
                + "db1:keys=1,expires=1,avg_ttl=5\r\n\r\n# Cluster\r\ncluster_enabled:1\r\n",
                InfoCommand.sumKeyspaces(List.of(a, b, c)));
    }

    @Test
    void anInfoWithoutKeyspaceIsUnchanged() {
        String a = "# Server\r\nredis_version:7.0.15\r\n";
        assertEquals(a, InfoCommand.sumKeyspaces(List.of(a, a)));
    }
}
