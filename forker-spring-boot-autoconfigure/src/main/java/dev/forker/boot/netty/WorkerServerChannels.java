package dev.forker.boot.netty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.InetAddress;

import io.netty.channel.ChannelOption;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.worker.WorkerListeners;

/**
 * Creates and prepares the server socket channel of a worker for any Netty transport
 * (NIO, epoll, kqueue or io_uring), for Reactor Netty and for grpc-java's Netty server.
 *
 * @since 0.1.0
 */
public final class WorkerServerChannels {

	private WorkerServerChannels() {
	}

	/**
	 * Set {@code SO_REUSEPORT} on a server channel before it is bound, through the option
	 * of its own transport (an option of another transport would only be logged as
	 * unknown, and the second worker's bind would fail).
	 * @param channel the unbound channel
	 */
	@SuppressWarnings("unchecked")
	public static void enableReusePort(ServerSocketChannel channel) {
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
	 * Count the connections a server channel accepts for a port and, in shared mode,
	 * balance them with the other workers (see {@link GatedAccept}).
	 * @param channel the server channel, not yet registered
	 * @param port the port the server was configured with
	 */
	public static void gateAccepts(ServerSocketChannel channel, int port) {
		if (channel.pipeline().get(GatedAccept.NAME) == null) {
			channel.pipeline().addFirst(GatedAccept.NAME, new GatedAccept(ConnectionGates.forPort(port)));
		}
	}

	/**
	 * Create a channel of the given transport class on the listening socket the master
	 * passed down for a port, and make it take Reactor Netty's bind as done.
	 * @param channelClass the server channel class of the transport in use
	 * @param worker the worker environment
	 * @param address the address the server binds, or {@code null} for all addresses
	 * @param port the port the server binds
	 * @return the channel, already bound and listening
	 */
	public static ServerSocketChannel inherited(Class<? extends ServerSocketChannel> channelClass,
			WorkerEnvironment worker, @Nullable InetAddress address, int port) {
		ServerSocketChannel channel;
		try {
			if (NioServerSocketChannel.class.isAssignableFrom(channelClass)) {
				WorkerListeners.Listener listener = WorkerListeners.open(worker, address, port, 0, (socket) -> {
				});
				channel = new InheritedNioServerSocketChannel(listener.channel(), listener.localAddress());
			}
			else {
				channel = onDescriptor(channelClass, WorkerListeners.duplicate(worker, address, port));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		channel.pipeline().addFirst(AlreadyBoundHandler.NAME, AlreadyBoundHandler.INSTANCE);
		gateAccepts(channel, port);
		// One connection per wake-up: workers sharing a socket take turns instead of one
		// of them draining the queue in a burst
		if (channel.config().getRecvByteBufAllocator() instanceof MaxMessagesRecvByteBufAllocator allocator) {
			allocator.maxMessagesPerRead(1);
		}
		return channel;
	}

	private static ServerSocketChannel onDescriptor(Class<? extends ServerSocketChannel> channelClass, int fd) {
		Constructor<? extends ServerSocketChannel> constructor;
		try {
			constructor = channelClass.getConstructor(int.class);
		}
		catch (NoSuchMethodException ex) {
			POSIXFactory.getNativePOSIX().close(fd);
			throw new IllegalStateException("forker shared mode: Netty transport " + channelClass.getName()
					+ " cannot serve an inherited socket; set forker.mode=reuseport", ex);
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
