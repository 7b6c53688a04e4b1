package dev.forker.boot.netty;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * A NIO server channel on a listening socket the master passed down to the worker. It
 * reports the address the socket really listens on: the JDK channel it wraps reports
 * another.
 *
 * @since 0.1.0
 */
final class InheritedNioServerSocketChannel extends NioServerSocketChannel {

	private final InetSocketAddress localAddress;

	InheritedNioServerSocketChannel(ServerSocketChannel channel, InetSocketAddress localAddress) {
		super(channel);
		this.localAddress = localAddress;
	}

	@Override
	protected InetSocketAddress localAddress0() {
		return this.localAddress;
	}

}
