/** respproxy sentinel module. See docs/DESIGN.md, "Modules". */
package io.respproxy.sentinel;
