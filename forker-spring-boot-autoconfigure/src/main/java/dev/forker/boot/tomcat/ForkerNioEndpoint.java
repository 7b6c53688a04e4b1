package dev.forker.boot.tomcat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import org.apache.tomcat.util.net.NioEndpoint;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.balance.ConnectionGate;
import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.posix.NativeSockets;
import dev.forker.boot.worker.WorkerListeners;

/**
 * A {@link NioEndpoint} for forker workers. It opens its listening socket with
 * {@link WorkerListeners} (bound with {@code SO_REUSEPORT}, or passed down by the master
 * in shared mode) and accepts with a {@link ForkerAcceptor}, which stops accepting
 * without the self-connection Tomcat normally uses to wake its acceptor: with a shared
 * port that connection could reach a sibling worker. Its open connections are counted by
 * a {@link ConnectionGate}, which in shared mode also holds the acceptor back while the
 * worker has more connections than its least busy sibling.
 * <p>
 * A graceful stop drains the connections before the endpoint pauses: it stops accepting,
 * answers the next request on every open connection with {@code Connection: close} and
 * closes the connection after that response, and pauses once every connection is closed
 * or the drain timeout has passed. A paused Tomcat endpoint would answer a request that
 * arrives on a kept-alive connection with a 503, or close the connection under a client
 * that is already writing to it.
 *
 * @since 0.1.0
 */
public class ForkerNioEndpoint extends NioEndpoint {

	private static final VarHandle SERVER_SOCK;

	static {
		try {
			SERVER_SOCK = MethodHandles.privateLookupIn(NioEndpoint.class, MethodHandles.lookup())
				.findVarHandle(NioEndpoint.class, "serverSock", ServerSocketChannel.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private static final long DRAIN_POLL_MILLIS = 5;

	private volatile @Nullable ForkerAcceptor forkerAcceptor;

	private volatile @Nullable InetSocketAddress localAddress;

	private volatile boolean drainOnPause;

	private volatile Duration drainTimeout = Duration.ofSeconds(5);

	private volatile @Nullable Integer keepAliveBeforeDrain;

	private volatile @Nullable ConnectionGate gate;

	/**
	 * Set whether a pause drains the open connections first, as a graceful shutdown does.
	 * An immediate shutdown pauses without draining.
	 * @param drainOnPause whether to drain on pause
	 */
	public void setDrainOnPause(boolean drainOnPause) {
		this.drainOnPause = drainOnPause;
	}

	/**
	 * Set the longest time a pause waits for open connections to send their next request
	 * and close.
	 * @param drainTimeout the drain timeout
	 */
	public void setDrainTimeout(Duration drainTimeout) {
		this.drainTimeout = drainTimeout;
	}

	@Override
	protected void initServerSocket() throws Exception {
		WorkerEnvironment worker = WorkerEnvironment.current();
		if (worker == null) {
			super.initServerSocket();
			return;
		}
		this.gate = ConnectionGates.forPort(getPortWithOffset());
		WorkerListeners.Listener listener = WorkerListeners.open(worker, getAddress(), getPortWithOffset(),
				getAcceptCount(), (channel) -> this.socketProperties.setProperties(channel.socket()));
		this.localAddress = listener.localAddress();
		SERVER_SOCK.set(this, listener.channel());
	}

	ServerSocketChannel serverSocketChannel() {
		return (ServerSocketChannel) SERVER_SOCK.get(this);
	}

	/**
	 * Return the server socket, reporting the address it really listens on: a socket
	 * passed down by the master is accepted from through a channel that reports another.
	 */
	@Override
	protected @Nullable NetworkChannel getServerSocket() {
		NetworkChannel channel = super.getServerSocket();
		InetSocketAddress localAddress = this.localAddress;
		return (channel != null && localAddress != null) ? new LocalAddressChannel(channel, localAddress) : channel;
	}

	@Override
	protected void startAcceptorThread() {
		ForkerAcceptor acceptor;
		try {
			acceptor = new ForkerAcceptor(this, serverSocketChannel());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start the acceptor of " + getName(), ex);
		}
		this.forkerAcceptor = acceptor;
		this.acceptor = acceptor;
		Thread thread = new Thread(acceptor, getName() + "-Acceptor");
		thread.setPriority(getAcceptorThreadPriority());
		thread.setDaemon(getDaemon());
		thread.start();
	}

	@Override
	protected void unlockAccept() {
		ForkerAcceptor acceptor = this.forkerAcceptor;
		if (acceptor != null) {
			acceptor.wakeup();
		}
		else {
			super.unlockAccept();
		}
	}

	void awaitConnectionSlot() throws InterruptedException {
		countUpOrAwaitConnection();
	}

	void releaseConnectionSlot() {
		// Not through countDownConnection(): no connection was opened
		super.countDownConnection();
	}

	/**
	 * Count down a connection Tomcat closed: Tomcat calls this once for every connection
	 * it accepted, whatever ended it.
	 */
	@Override
	protected long countDownConnection() {
		long count = super.countDownConnection();
		ConnectionGate gate = this.gate;
		if (gate != null) {
			gate.closed();
		}
		return count;
	}

	/**
	 * Return the gate that counts this endpoint's connections, or {@code null} outside a
	 * forker worker.
	 * @return the gate
	 */
	@Nullable ConnectionGate gate() {
		return this.gate;
	}

	void serve(SocketChannel socket) {
		if (!setSocketOptions(socket)) {
			closeSocket(socket);
		}
	}

	/**
	 * Stop accepting, then, for a graceful stop, drain the open connections before
	 * pausing.
	 */
	@Override
	public void pause() {
		ForkerAcceptor acceptor = this.forkerAcceptor;
		if (isRunning() && !isPaused() && acceptor != null) {
			acceptor.stopAccepting();
			if (this.drainOnPause) {
				drain();
			}
		}
		super.pause();
	}

	private void drain() {
		this.keepAliveBeforeDrain = getMaxKeepAliveRequests();
		// Every response from now on says Connection: close and ends its connection
		setMaxKeepAliveRequests(1);
		// Upgraded connections (HTTP/2) get their GOAWAY now rather than at the pause
		getHandler().pause();
		long deadline = System.nanoTime() + this.drainTimeout.toNanos();
		while (!this.connections.isEmpty() && System.nanoTime() - deadline < 0) {
			try {
				Thread.sleep(DRAIN_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		if (!this.connections.isEmpty() && getLog().isDebugEnabled()) {
			getLog().debug(this.connections.size() + " connections sent no request within the drain timeout of "
					+ this.drainTimeout.toMillis() + "ms: closing them");
		}
	}

	@Override
	public void resume() {
		super.resume();
		Integer keepAlive = this.keepAliveBeforeDrain;
		if (keepAlive != null) {
			setMaxKeepAliveRequests(keepAlive);
			this.keepAliveBeforeDrain = null;
		}
		ForkerAcceptor acceptor = this.forkerAcceptor;
		if (acceptor != null && isRunning()) {
			acceptor.resumeAccepting();
		}
	}

	/**
	 * Return whether the listening socket the master shares has stopped listening: the
	 * master stops it on a full stop.
	 * @return whether the shared socket was stopped
	 */
	boolean isSharedSocketStopped() {
		WorkerEnvironment worker = WorkerEnvironment.current();
		ServedPort port = (worker != null) ? worker.port(getPortWithOffset()) : null;
		Integer fd = (port != null) ? port.fd() : null;
		return fd != null && !NativeSockets.get().isListening(fd);
	}

	void logSharedSocketStopped() {
		getLog().debug("The forker master stopped the shared socket of " + getName() + ": no more accepts");
	}

	void logAcceptFailure(Throwable failure) {
		getLog().error(sm.getString("endpoint.accept.fail"), failure);
	}

}
