/** Redis Cluster key slots: CRC16 (XMODEM) with hash tags, over request arguments without copying. */
package io.respproxy.routing.slot;
