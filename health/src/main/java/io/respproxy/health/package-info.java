/** respproxy health module. See ../shared/DESIGN.md, "Modules". */
package io.respproxy.health;
