/** respproxy routing module. See ../shared/DESIGN.md, "Modules". */
package io.respproxy.routing;
