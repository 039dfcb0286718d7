/** respproxy sentinel module. See ../shared/DESIGN.md, "Modules". */
package io.respproxy.sentinel;
