package dev.forker.boot.ports;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.diagnostics.ForkerPortInUseException;
import dev.forker.boot.posix.NativeSockets;

/**
 * A listening socket a master opens in shared mode and hands to every worker. The master
 * keeps it open for its whole life, so a worker that dies or restarts never closes the
 * port: connections waiting in its one accept queue are served by the other workers. It
 * is non-blocking, since all workers accept from it and any of them may find the queue
 * emptied by a sibling.
 *
 * @since 0.1.0
 */
final class SharedListenSocket implements Closeable {

	private final ServerSocketChannel channel;

	private final int fd;

	private final int port;

	private SharedListenSocket(ServerSocketChannel channel, int fd, int port) {
		this.channel = channel;
		this.fd = fd;
		this.port = port;
	}

	static SharedListenSocket open(PlannedPort planned, int backlog) {
		InetSocketAddress requested = planned.socketAddress();
		ServerSocketChannel channel = null;
		try {
			channel = ServerSocketChannel.open();
			channel.bind(requested, backlog);
			channel.configureBlocking(false);
			int actualPort = ((InetSocketAddress) channel.getLocalAddress()).getPort();
			int fd = NativeSockets.get().findListening(actualPort);
			return new SharedListenSocket(channel, fd, actualPort);
		}
		catch (BindException ex) {
			closeQuietly(channel);
			throw new ForkerPortInUseException(planned.property(), requested, ex);
		}
		catch (IOException | RuntimeException ex) {
			closeQuietly(channel);
			throw new IllegalStateException(
					"Cannot open the shared listening socket on " + requested + " (" + planned.property() + ")", ex);
		}
	}

	int fd() {
		return this.fd;
	}

	int port() {
		return this.port;
	}

	@Override
	public void close() {
		closeQuietly(this.channel);
	}

	private static void closeQuietly(@Nullable ServerSocketChannel channel) {
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
