/**
 * Jetty support: a {@code ServerConnector} that accepts from the socket the master shares
 * or binds its port with {@code SO_REUSEPORT}, and the connection drain.
 */
@NullMarked
package dev.forker.boot.jetty;

import org.jspecify.annotations.NullMarked;
