package dev.forker.boot.netty;

import java.nio.channels.ServerSocketChannel;

import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * A NIO server channel on the listening socket a worker inherited from its master. It
 * never closes that socket: it is shared, and closing the JDK's inherited channel would
 * point file descriptors 0 to 2 at {@code /dev/null} and silence the console.
 *
 * @since 0.1.0
 */
final class InheritedNioServerSocketChannel extends NioServerSocketChannel {

	private volatile boolean closed;

	InheritedNioServerSocketChannel(ServerSocketChannel inherited) {
		super(inherited);
	}

	@Override
	public boolean isOpen() {
		return !this.closed && super.isOpen();
	}

	@Override
	protected void doClose() {
		// Deregistration has cancelled the selection key; the socket itself stays open
		this.closed = true;
	}

}
