/** respproxy testkit module. See ../shared/DESIGN.md, "Modules". */
package io.respproxy.testkit;
