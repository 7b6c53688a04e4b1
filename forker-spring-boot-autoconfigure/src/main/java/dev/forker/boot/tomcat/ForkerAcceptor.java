package dev.forker.boot.tomcat;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.tomcat.util.net.Acceptor;
import org.jspecify.annotations.Nullable;

/**
 * An acceptor that waits for connections with a selector instead of a blocking
 * {@code accept()}. It can therefore stop without being woken by a connection, and it
 * serves every connection it accepted, even when the endpoint is paused right after the
 * accept: Tomcat's own acceptor drops such a connection, which costs a request whenever a
 * worker stops.
 *
 * @since 0.1.0
 */
final class ForkerAcceptor extends Acceptor<SocketChannel> {

	private static final long PAUSE_POLL_MILLIS = 10;

	private final ForkerNioEndpoint endpoint;

	private final ServerSocketChannel serverSocket;

	private final Selector selector;

	private final CountDownLatch ended = new CountDownLatch(1);

	private volatile boolean stopRequested;

	ForkerAcceptor(ForkerNioEndpoint endpoint, ServerSocketChannel serverSocket) throws IOException {
		super(endpoint);
		this.endpoint = endpoint;
		this.serverSocket = serverSocket;
		this.selector = Selector.open();
		try {
			serverSocket.configureBlocking(false);
			serverSocket.register(this.selector, SelectionKey.OP_ACCEPT);
		}
		catch (IOException ex) {
			this.selector.close();
			throw ex;
		}
	}

	@Override
	public void run() {
		int errorDelay = 0;
		try {
			while (!this.stopRequested) {
				if (this.endpoint.isPaused()) {
					this.state = AcceptorState.PAUSED;
					Thread.sleep(PAUSE_POLL_MILLIS);
					continue;
				}
				this.state = AcceptorState.RUNNING;
				this.endpoint.awaitConnectionSlot();
				SocketChannel socket = null;
				try {
					if (!this.stopRequested && !this.endpoint.isPaused()) {
						socket = acceptOrWait();
					}
					errorDelay = 0;
				}
				catch (IOException ex) {
					if (this.stopRequested || !this.endpoint.isRunning()) {
						this.endpoint.releaseConnectionSlot();
						break;
					}
					this.endpoint.logAcceptFailure(ex);
					errorDelay = handleExceptionWithDelay(errorDelay);
				}
				if (socket == null) {
					this.endpoint.releaseConnectionSlot();
				}
				else {
					this.endpoint.serve(socket);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			try {
				this.selector.close();
			}
			catch (IOException ex) {
				// the channel is deregistered regardless
			}
			this.state = AcceptorState.ENDED;
			this.ended.countDown();
		}
	}

	private @Nullable SocketChannel acceptOrWait() throws IOException {
		// One connection per wake-up: workers sharing a socket take turns instead of one
		// of them draining the queue in a burst
		this.selector.select();
		this.selector.selectedKeys().clear();
		return this.serverSocket.accept();
	}

	void wakeup() {
		this.selector.wakeup();
	}

	@Override
	public void stopMillis(int waitMilliseconds) {
		this.stopRequested = true;
		this.selector.wakeup();
		if (waitMilliseconds > 0) {
			try {
				this.ended.await(waitMilliseconds, TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
