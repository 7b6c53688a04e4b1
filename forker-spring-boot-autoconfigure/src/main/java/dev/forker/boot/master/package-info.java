/**
 * The forker master: it rebuilds the worker command from its own JVM, starts the workers,
 * reaps and restarts them, and stops them on a signal. It never builds the application
 * context.
 */
@NullMarked
package dev.forker.boot.master;

import org.jspecify.annotations.NullMarked;
