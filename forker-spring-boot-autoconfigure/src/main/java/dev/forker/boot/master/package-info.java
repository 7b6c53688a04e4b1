/**
 * The forker master: an event loop that owns the state of the workers and acts on their
 * exits, their messages, operators' signals and commands, and time. It starts, restarts,
 * replaces, scales and stops workers through seams for processes, clock and sockets, and
 * never builds the application context.
 */
@NullMarked
package dev.forker.boot.master;

import org.jspecify.annotations.NullMarked;
