package dev.forker.boot.worker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;

import org.jspecify.annotations.Nullable;

/**
 * Opens a worker's listening socket the way its master asked: bound to the server port
 * with {@code SO_REUSEPORT} alongside the other workers, or inherited from the master in
 * shared mode.
 *
 * @since 0.1.0
 */
public final class WorkerListenSocket {

	private WorkerListenSocket() {
	}

	/**
	 * Open the listening socket of this worker.
	 * @param worker the worker environment
	 * @param address the address to bind to, or {@code null} for all addresses
	 * @param backlog the accept queue length
	 * @param configurer applies the server's own socket settings before the socket is
	 * bound
	 * @return the listening socket channel
	 * @throws IOException if the socket cannot be opened or bound
	 */
	public static ServerSocketChannel open(WorkerEnvironment worker, @Nullable InetAddress address, int backlog,
			SocketConfigurer configurer) throws IOException {
		if (worker.socketMode() == WorkerSocketMode.INHERITED) {
			return inherited();
		}
		ServerSocketChannel channel = ServerSocketChannel.open();
		try {
			configurer.configure(channel);
			channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			channel.bind(new InetSocketAddress(address, worker.port()), backlog);
			return channel;
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Return the master's listening socket this worker inherited as its standard input.
	 * It is shared with the other workers and the master, and must never be closed: the
	 * JDK would point file descriptors 0 to 2 at {@code /dev/null} and silence the
	 * console.
	 * @return the inherited listening socket
	 * @throws IOException if standard input is not a listening socket
	 */
	public static ServerSocketChannel inherited() throws IOException {
		Channel channel = System.inheritedChannel();
		if (channel instanceof ServerSocketChannel serverSocket) {
			return serverSocket;
		}
		throw new IOException("forker shared mode: standard input of this worker is not the master's listening "
				+ "socket (found " + channel + ")");
	}

	/**
	 * Applies a web server's socket settings to a socket before it is bound.
	 */
	@FunctionalInterface
	public interface SocketConfigurer {

		/**
		 * Configure the channel.
		 * @param channel the unbound channel
		 * @throws IOException on failure
		 */
		void configure(ServerSocketChannel channel) throws IOException;

	}

}
