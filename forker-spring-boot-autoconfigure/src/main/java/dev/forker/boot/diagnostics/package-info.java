/**
 * Failures a user can cause when starting forker, and the failure analyzers that explain
 * them.
 */
@NullMarked
package dev.forker.boot.diagnostics;

import org.jspecify.annotations.NullMarked;
