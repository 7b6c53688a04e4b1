/**
 * How the processes of a forker deployment log: the master like the application, and
 * every line of every process attributable to it.
 */
@NullMarked
package dev.forker.boot.logging;

import org.jspecify.annotations.NullMarked;
