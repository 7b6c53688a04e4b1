/**
 * Auto-configuration of forker's worker side: the web server support that makes each
 * worker serve the shared port.
 */
@NullMarked
package dev.forker.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
