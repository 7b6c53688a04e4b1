package dev.forker.boot.netty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;

import io.netty.channel.ChannelOption;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import jnr.posix.POSIXFactory;

import dev.forker.boot.worker.WorkerListenSocket;

/**
 * Creates and prepares the server socket channel of a worker for any Netty transport
 * (NIO, epoll, kqueue or io_uring).
 *
 * @since 0.1.0
 */
final class WorkerServerChannels {

	private WorkerServerChannels() {
	}

	/**
	 * Set {@code SO_REUSEPORT} on a server channel before it is bound, through the option
	 * of its own transport (an option of another transport would only be logged as
	 * unknown, and the second worker's bind would fail).
	 * @param channel the unbound channel
	 */
	@SuppressWarnings("unchecked")
	static void enableReusePort(ServerSocketChannel channel) {
		for (ChannelOption<?> option : channel.config().getOptions().keySet()) {
			String name = option.name();
			if (name.equals("SO_REUSEPORT") || name.endsWith("#SO_REUSEPORT")) {
				if (channel.config().setOption((ChannelOption<Boolean>) option, true)) {
					return;
				}
			}
		}
		throw new IllegalStateException("forker reuseport mode: " + channel.getClass().getName()
				+ " offers no SO_REUSEPORT option; set forker.mode=shared");
	}

	/**
	 * Create a channel of the given transport class on the listening socket inherited
	 * from the master, and make it take Reactor Netty's bind as done.
	 * @param channelClass the server channel class of the transport in use
	 * @return the channel, already bound and listening
	 */
	static ServerSocketChannel inherited(Class<? extends ServerSocketChannel> channelClass) {
		ServerSocketChannel channel;
		try {
			if (NioServerSocketChannel.class.isAssignableFrom(channelClass)) {
				channel = new InheritedNioServerSocketChannel(WorkerListenSocket.inherited());
			}
			else {
				channel = onDuplicateOfStandardInput(channelClass);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		channel.pipeline().addFirst(AlreadyBoundHandler.NAME, AlreadyBoundHandler.INSTANCE);
		// One connection per wake-up: workers sharing a socket take turns instead of one
		// of them draining the queue in a burst
		if (channel.config().getRecvByteBufAllocator() instanceof MaxMessagesRecvByteBufAllocator allocator) {
			allocator.maxMessagesPerRead(1);
		}
		return channel;
	}

	private static ServerSocketChannel onDuplicateOfStandardInput(Class<? extends ServerSocketChannel> channelClass) {
		Constructor<? extends ServerSocketChannel> constructor;
		try {
			constructor = channelClass.getConstructor(int.class);
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalStateException("forker shared mode: Netty transport " + channelClass.getName()
					+ " cannot serve an inherited socket; set forker.mode=reuseport", ex);
		}
		// A duplicate, so that closing the channel leaves the inherited descriptor alone
		int fd = POSIXFactory.getNativePOSIX().dup(0);
		if (fd < 0) {
			throw new IllegalStateException("forker shared mode: cannot duplicate the inherited listening socket");
		}
		try {
			return constructor.newInstance(fd);
		}
		catch (ReflectiveOperationException ex) {
			POSIXFactory.getNativePOSIX().close(fd);
			throw new IllegalStateException("forker shared mode: cannot create " + channelClass.getName(), ex);
		}
	}

}
