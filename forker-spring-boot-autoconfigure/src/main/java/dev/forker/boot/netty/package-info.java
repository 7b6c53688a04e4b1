/**
 * Reactor Netty support: the server socket channel of a worker is bound with
 * {@code SO_REUSEPORT} for whichever transport Reactor Netty picks, or wraps the
 * listening socket inherited from the master without binding again.
 */
@NullMarked
package dev.forker.boot.netty;

import org.jspecify.annotations.NullMarked;
