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
    void theNodesStatsKeepTheirFieldsWithTheProxysCountsInPlace() {
        String node = "# Stats\r\ntotal_connections_received:900\r\nexpired_keys:7\r\nmigrate_cached_sockets:1\r\n"
                + "total_error_replies:3";
        java.util.Map<String, String> ours = new java.util.LinkedHashMap<>();
        ours.put("total_connections_received", "12");
        ours.put("tracking_total_keys", "0");
        assertEquals("# Stats\r\ntotal_connections_received:12\r\nexpired_keys:7\r\nmigrate_cached_sockets:1\r\n"
                + "total_error_replies:3\r\ntracking_total_keys:0\r\n", InfoCommand.mergeFields(node, ours));
    }

    @Test
    void theNodesReplicationStreamFieldsStayItsTopologyGoes() {
        String node = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
                + "slave0:ip=127.0.0.1,port=6390,state=online,offset=5,lag=0\r\nmaster_failover_state:no-failover\r\n"
                + "master_replid:abc\r\nmaster_repl_offset:5\r\nrepl_backlog_active:1";
        assertEquals("master_failover_state:no-failover\r\nmaster_replid:abc\r\nmaster_repl_offset:5\r\n"
                + "repl_backlog_active:1\r\n", InfoCommand.nodeReplicationFields(node));
    }

    @Test
    void anInfoWithoutKeyspaceIsUnchanged() {
        String a = "# Server\r\nredis_version:7.0.15\r\n";
        assertEquals(a, InfoCommand.sumKeyspaces(List.of(a, a)));
    }
}
