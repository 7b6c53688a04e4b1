package dev.forker.boot.tomcat;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.tomcat.util.net.Acceptor;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.balance.ConnectionGate;

/**
 * An acceptor that waits for connections with a selector instead of a blocking
 * {@code accept()}. It can therefore stop without being woken by a connection, and it
 * serves every connection it accepted, even when the endpoint is paused right after the
 * accept: Tomcat's own acceptor drops such a connection, which costs a request whenever a
 * worker stops. With a {@link ConnectionGate} that balances, it leaves a waiting
 * connection to a sibling worker while this one holds more connections than the least
 * busy.
 *
 * @since 0.1.0
 */
final class ForkerAcceptor extends Acceptor<SocketChannel> {

	private static final long PAUSE_POLL_MILLIS = 10;

	private final ForkerNioEndpoint endpoint;

	private final ServerSocketChannel serverSocket;

	private final Selector selector;

	private final CountDownLatch ended = new CountDownLatch(1);

	private final ReentrantLock handOff = new ReentrantLock();

	private volatile boolean stopRequested;

	private volatile boolean accepting = true;

	private final @Nullable ConnectionGate gate;

	ForkerAcceptor(ForkerNioEndpoint endpoint, ServerSocketChannel serverSocket) throws IOException {
		super(endpoint);
		this.endpoint = endpoint;
		this.serverSocket = serverSocket;
		this.gate = endpoint.gate();
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
		announceAccepting(true);
		try {
			while (!this.stopRequested) {
				if (!this.accepting || this.endpoint.isPaused()) {
					this.state = AcceptorState.PAUSED;
					Thread.sleep(PAUSE_POLL_MILLIS);
					continue;
				}
				this.state = AcceptorState.RUNNING;
				this.endpoint.awaitConnectionSlot();
				boolean served = false;
				try {
					this.selector.select();
					this.selector.selectedKeys().clear();
					awaitTurn();
					served = acceptAndServe();
					if (served) {
						// Let a sibling worker's acceptor, woken by the same burst of
						// connections, take the next one: keeps keep-alive connections
						// even
						Thread.yield();
					}
					errorDelay = 0;
				}
				catch (IOException ex) {
					if (this.stopRequested || !this.endpoint.isRunning()) {
						this.endpoint.releaseConnectionSlot();
						break;
					}
					if (this.endpoint.isSharedSocketStopped()) {
						// The master is stopping everything and refuses new connections
						this.endpoint.logSharedSocketStopped();
						this.accepting = false;
					}
					else {
						this.endpoint.logAcceptFailure(ex);
						errorDelay = handleExceptionWithDelay(errorDelay);
					}
				}
				if (!served) {
					this.endpoint.releaseConnectionSlot();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			announceAccepting(false);
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

	/**
	 * Accept one connection, if one waits and the endpoint still accepts, and hand it to
	 * the poller. One connection per wake-up lets workers that share a socket take turns
	 * instead of one of them draining the queue in a burst.
	 * @return whether a connection was accepted and handed off
	 * @throws IOException on an accept failure
	 */
	private boolean acceptAndServe() throws IOException {
		this.handOff.lock();
		try {
			if (this.stopRequested || !this.accepting || this.endpoint.isPaused()) {
				return false;
			}
			SocketChannel socket = this.serverSocket.accept();
			if (socket == null) {
				return false;
			}
			if (this.gate != null) {
				this.gate.opened();
			}
			this.endpoint.serve(socket);
			return true;
		}
		finally {
			this.handOff.unlock();
		}
	}

	/**
	 * Stop accepting connections, and return once a connection being accepted (if any)
	 * has been handed to the poller.
	 */
	void stopAccepting() {
		this.accepting = false;
		announceAccepting(false);
		this.selector.wakeup();
		this.handOff.lock();
		this.handOff.unlock();
	}

	void resumeAccepting() {
		this.accepting = true;
		announceAccepting(true);
	}

	private void awaitTurn() throws InterruptedException {
		if (this.gate != null) {
			this.gate.awaitTurn();
		}
	}

	private void announceAccepting(boolean accepting) {
		if (this.gate != null) {
			this.gate.accepting(accepting);
		}
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
