/**
 * How a starting application learns its part in a forker deployment (master, worker, or a
 * single process) and acts on it before the application context is built.
 */
@NullMarked
package dev.forker.boot.launch;

import org.jspecify.annotations.NullMarked;
