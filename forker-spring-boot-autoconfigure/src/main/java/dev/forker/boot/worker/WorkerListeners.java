package dev.forker.boot.worker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.diagnostics.ForkerUnsharedPortException;
import dev.forker.boot.posix.NativeSockets;

/**
 * Opens the listening sockets of a worker's servers the way its master asked: bound to
 * the port with {@code SO_REUSEPORT} alongside the other workers, or on the listening
 * socket the master opened and passed down in shared mode. Every server of the worker
 * (the application's, the management server, the gRPC server) gets its socket here, by
 * the port it was configured with; a port the master does not share fails the start.
 *
 * @since 0.1.0
 */
public final class WorkerListeners {

	private WorkerListeners() {
	}

	/**
	 * Open the listening socket of a server of this worker.
	 * @param worker the worker environment
	 * @param address the address the server binds, or {@code null} for all addresses
	 * @param port the port the server binds
	 * @param backlog the accept queue length (reuseport mode)
	 * @param configurer applies the server's own socket settings before the socket is
	 * bound
	 * @return the listening socket
	 * @throws IOException if the socket cannot be opened or bound
	 * @throws ForkerUnsharedPortException if the master does not share this port
	 */
	public static Listener open(WorkerEnvironment worker, @Nullable InetAddress address, int port, int backlog,
			SocketConfigurer configurer) throws IOException {
		ServedPort served = served(worker, address, port);
		Integer fd = served.fd();
		if (worker.socketMode() == WorkerSocketMode.INHERITED && fd != null) {
			NativeSockets sockets = NativeSockets.get();
			ServerSocketChannel channel = sockets.adopt(fd);
			try {
				configurer.configure(channel);
			}
			catch (IOException | RuntimeException ex) {
				channel.close();
				throw ex;
			}
			InetSocketAddress local = sockets.localAddress(fd);
			return new Listener(channel, (local != null) ? local : new InetSocketAddress(address, port));
		}
		ServerSocketChannel channel = ServerSocketChannel.open();
		try {
			configurer.configure(channel);
			channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			channel.bind(new InetSocketAddress(address, port), backlog);
			return new Listener(channel, (InetSocketAddress) channel.getLocalAddress());
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Return a new descriptor for the listening socket the master passed down for a port,
	 * for a native transport that takes a descriptor rather than a JDK channel.
	 * @param worker the worker environment
	 * @param address the address the server binds, or {@code null} for all addresses
	 * @param port the port the server binds
	 * @return a duplicate of the inherited descriptor, owned by the caller
	 * @throws ForkerUnsharedPortException if the master does not share this port
	 * @throws IllegalStateException if the worker has no inherited socket for it
	 */
	public static int duplicate(WorkerEnvironment worker, @Nullable InetAddress address, int port) {
		Integer fd = served(worker, address, port).fd();
		if (fd == null) {
			throw new IllegalStateException("forker shared mode: no listening socket was passed down for port " + port);
		}
		int duplicate = POSIXFactory.getNativePOSIX().dup(fd);
		if (duplicate < 0) {
			throw new IllegalStateException(
					"forker shared mode: cannot duplicate the listening socket of port " + port);
		}
		return duplicate;
	}

	/**
	 * Return the local address of the listening socket of a port.
	 * @param worker the worker environment
	 * @param address the address the server binds, or {@code null} for all addresses
	 * @param port the port the server binds
	 * @return the address
	 */
	public static InetSocketAddress localAddress(WorkerEnvironment worker, @Nullable InetAddress address, int port) {
		Integer fd = served(worker, address, port).fd();
		InetSocketAddress local = (fd != null) ? NativeSockets.get().localAddress(fd) : null;
		return (local != null) ? local : new InetSocketAddress(address, port);
	}

	private static ServedPort served(WorkerEnvironment worker, @Nullable InetAddress address, int port) {
		ServedPort served = worker.port(port);
		if (served == null) {
			throw new ForkerUnsharedPortException(port, address, worker.ports());
		}
		return served;
	}

	/**
	 * A listening socket of a worker.
	 *
	 * @param channel the channel to accept from; in shared mode its own
	 * {@link ServerSocketChannel#getLocalAddress() local address} is not the socket's
	 * @param localAddress the address the socket listens on
	 */
	public record Listener(ServerSocketChannel channel, InetSocketAddress localAddress) {

	}

	/**
	 * Applies a web server's socket settings to a socket before it is bound.
	 */
	@FunctionalInterface
	public interface SocketConfigurer {

		/**
		 * Configure the channel.
		 * @param channel the channel
		 * @throws IOException on failure
		 */
		void configure(ServerSocketChannel channel) throws IOException;

	}

}
