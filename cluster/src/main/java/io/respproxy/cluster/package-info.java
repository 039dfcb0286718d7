/** respproxy cluster module: the Redis Cluster topology source. See docs/DESIGN.md, "Control plane". */
package io.respproxy.cluster;
