/**
 * Tomcat support: a NIO connector whose endpoint binds the server port with
 * {@code SO_REUSEPORT}, and whose acceptor never takes a connection it will not serve.
 */
@NullMarked
package dev.forker.boot.tomcat;

import org.jspecify.annotations.NullMarked;
