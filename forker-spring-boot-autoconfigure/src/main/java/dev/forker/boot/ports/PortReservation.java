package dev.forker.boot.ports;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.diagnostics.ForkerPortInUseException;
import dev.forker.boot.posix.NativeSockets;

/**
 * A port, checked and held by the master in {@code SO_REUSEPORT} mode. The master first
 * makes sure that no other process listens on the port, then keeps a socket bound to it
 * with {@code SO_REUSEPORT} but not listening: it receives no connection, yet no other
 * program can take the port while workers restart.
 *
 * @since 0.1.0
 */
final class PortReservation implements Closeable {

	private final SocketChannel holder;

	private final int port;

	private PortReservation(SocketChannel holder, int port) {
		this.holder = holder;
		this.port = port;
	}

	static PortReservation reserve(PlannedPort planned) {
		InetAddress address = planned.address();
		InetSocketAddress requested = planned.socketAddress();
		int actualPort;
		try (ServerSocketChannel probe = ServerSocketChannel.open()) {
			probe.bind(requested, 1);
			actualPort = ((InetSocketAddress) probe.getLocalAddress()).getPort();
		}
		catch (BindException ex) {
			throw new ForkerPortInUseException(planned.property(), requested, ex);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot open port " + requested + " (" + planned.property() + ")", ex);
		}
		SocketChannel holder = null;
		try {
			holder = SocketChannel.open();
			holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			holder.bind(new InetSocketAddress(address, actualPort));
			return new PortReservation(holder, actualPort);
		}
		catch (IOException ex) {
			closeQuietly(holder);
			if (ex instanceof BindException) {
				throw new ForkerPortInUseException(planned.property(), new InetSocketAddress(address, actualPort), ex);
			}
			throw new IllegalStateException("Cannot reserve port " + requested + " (" + planned.property() + ")", ex);
		}
	}

	int port() {
		return this.port;
	}

	/**
	 * Return the descriptor that holds the reservation, if it can be found.
	 * @return the descriptor, or -1
	 */
	int fd() {
		try {
			return NativeSockets.get().findBound(this.port);
		}
		catch (IOException | RuntimeException ex) {
			return -1;
		}
	}

	@Override
	public void close() {
		closeQuietly(this.holder);
	}

	private static void closeQuietly(@Nullable SocketChannel channel) {
		if (channel != null) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				// nothing more to do
			}
		}
	}

}
