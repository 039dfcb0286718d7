package io.respproxy.testkit;

import java.util.ArrayList;
import java.util.List;

/** Starts a master and its replicas inside a topology; shared by replicated and Sentinel set-ups. */
record MasterReplicaSet(RedisNode master, List<RedisNode> replicas) {

    static MasterReplicaSet start(ProcessTopology t, int replicaCount) {
        Credentials auth = t.settings.auth();
        RedisNode master = t.startDataNode("master", port -> RedisConf.server(port, t.dir.resolve("master"), auth));
        // Behind NAT, at the announced address: Sentinel would otherwise re-point each replica there
        // (+fix-slave-config, a resync) a few seconds after it starts monitoring.
        RedisEndpoint masterAddress = t.announcedEndpoint(master);
        List<RedisNode> replicas = new ArrayList<>();
        for (int i = 1; i <= replicaCount; i++) {
            String name = "replica-" + i;
            replicas.add(t.startDataNode(name, port -> {
                List<String> lines = new ArrayList<>(RedisConf.server(port, t.dir.resolve(name), auth));
                lines.addAll(RedisConf.replicaOf(masterAddress));
                return lines;
            }));
        }
        replicas.forEach(r -> Info.awaitInSync(r, t.awaitTimeout()));
        return new MasterReplicaSet(master, List.copyOf(replicas));
    }
}
