/** respproxy health module. See docs/DESIGN.md, "Modules". */
package io.respproxy.health;
