package dev.forker.boot.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.balance.ConnectionGate;
import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.posix.NativeSockets;
import dev.forker.boot.worker.WorkerListeners;

/**
 * A Jetty {@link ServerConnector} for forker workers. In shared mode it accepts from the
 * listening socket the master passed down, which it gets from {@link WorkerListeners}
 * instead of binding, and reports the port that socket really listens on; in reuseport
 * mode it binds the port itself with Jetty's own {@link #setReusePort(boolean)
 * SO_REUSEPORT} switch. Jetty's {@link #setInheritChannel(boolean) inherited channel}
 * only knows standard input, not the descriptors a master passes.
 * <p>
 * It accepts with at least one acceptor thread: the blocking {@code accept()} of an
 * acceptor serves every connection it took, even when the connector is shut down at the
 * same time, and workers blocked in {@code accept()} on a shared socket take turns. When
 * the master stops the shared socket (a full stop), the acceptors end quietly instead of
 * logging an accept failure every second. Its open connections are counted by a
 * {@link ConnectionGate}, which in shared mode holds an acceptor back while the worker
 * has more connections than its least busy sibling.
 * <p>
 * It {@link #drain(Duration) drains} without Jetty's graceful {@link #shutdown()}: once a
 * connector is shut down, Jetty closes every HTTP/1.1 connection whose response
 * completes, even one whose response was already sent as persistent, and a client then
 * loses the request it sends next on it. A draining connector instead stops accepting and
 * answers the next request on every connection with {@code Connection: close}. It stops
 * its acceptors by closing its own channel rather than by interrupting them: an interrupt
 * that meets an {@code accept()} as it returns a connection makes the JDK throw and drop
 * that connection, which the client sees reset once the worker exits.
 *
 * @since 0.1.0
 */
public class ForkerServerConnector extends ServerConnector {

	private static final Log logger = LogFactory.getLog(ForkerServerConnector.class);

	private final WorkerEnvironment worker;

	private volatile @Nullable InetSocketAddress inheritedAddress;

	private volatile @Nullable CompletableFuture<Void> drained;

	private volatile long drainIdleTimeout;

	private final AtomicInteger acceptedNotOpened = new AtomicInteger();

	private volatile @Nullable ConnectionGate gate;

	/**
	 * Create a new instance.
	 * @param worker the worker environment
	 * @param server the server
	 * @param executor the executor, or {@code null} for the server's thread pool
	 * @param scheduler the scheduler, or {@code null} for the server's
	 * @param bufferPool the buffer pool, or {@code null} for the server's
	 * @param acceptors the number of acceptor threads, at least 1
	 * @param selectors the number of selectors, or {@code -1} for Jetty's default
	 * @param factories the connection factories
	 */
	public ForkerServerConnector(WorkerEnvironment worker, Server server, @Nullable Executor executor,
			@Nullable Scheduler scheduler, @Nullable ByteBufferPool bufferPool, int acceptors, int selectors,
			ConnectionFactory... factories) {
		super(server, executor, scheduler, bufferPool, requireAcceptor(acceptors), selectors, factories);
		this.worker = worker;
		setReusePort(worker.socketMode() == WorkerSocketMode.REUSEPORT);
		for (ConnectionFactory factory : factories) {
			if (factory instanceof HttpConfiguration.ConnectionFactory http) {
				HttpConfiguration configuration = http.getHttpConfiguration();
				if (configuration.getCustomizer(CloseWhenDraining.class) == null) {
					configuration.addCustomizer(new CloseWhenDraining());
				}
			}
		}
	}

	private static int requireAcceptor(int acceptors) {
		if (acceptors < 1) {
			throw new IllegalArgumentException("A forker worker's Jetty connector needs at least 1 acceptor");
		}
		return acceptors;
	}

	@Override
	protected ServerSocketChannel openAcceptChannel() throws IOException {
		this.gate = ConnectionGates.forPort(getPort());
		if (this.worker.socketMode() != WorkerSocketMode.INHERITED) {
			// Reuseport mode: Jetty binds the port itself with SO_REUSEPORT
			return super.openAcceptChannel();
		}
		WorkerListeners.Listener listener = WorkerListeners.open(this.worker, hostAddress(), getPort(),
				getAcceptQueueSize(), (channel) -> {
				});
		this.inheritedAddress = listener.localAddress();
		return listener.channel();
	}

	private @Nullable InetAddress hostAddress() throws UnknownHostException {
		String host = getHost();
		InetAddress address = (host != null) ? InetAddress.getByName(host) : null;
		return (address != null && !address.isAnyLocalAddress()) ? address : null;
	}

	/**
	 * Return the port the connector listens on: the channel of a socket passed down by
	 * the master reports another.
	 */
	@Override
	public int getLocalPort() {
		int port = super.getLocalPort();
		InetSocketAddress inherited = this.inheritedAddress;
		return (port > 0 && inherited != null) ? inherited.getPort() : port;
	}

	/**
	 * Drain this connector before a stop: it stops accepting (in shared mode the
	 * connections still queued go to the other workers), the next request on every
	 * HTTP/1.x connection is answered with {@code Connection: close}, and connections
	 * that stay idle for {@code idleTimeout} are closed. It does not wait for the
	 * connections to close.
	 * @param idleTimeout how long a connection may stay idle from now on
	 * @return a future that completes once every connection of this connector is closed
	 */
	public CompletableFuture<Void> drain(Duration idleTimeout) {
		CompletableFuture<Void> drained = this.drained;
		if (drained != null) {
			return drained;
		}
		drained = new CompletableFuture<>();
		this.drainIdleTimeout = idleTimeout.toMillis();
		this.drained = drained;
		stopAccepting();
		for (EndPoint endPoint : getConnectedEndPoints()) {
			endPoint.setIdleTimeout(this.drainIdleTimeout);
		}
		completeDrainWhenClosed();
		return drained;
	}

	/**
	 * Stop the acceptors without interrupting them: once the connector no longer accepts,
	 * an acceptor that returns from {@code accept()} with a connection hands it over and
	 * then waits, and closing this worker's channel ends an {@code accept()} that is
	 * still blocked. In shared mode the master and the other workers keep the socket
	 * listening.
	 */
	private void stopAccepting() {
		setAccepting(false);
		if (getTransport() instanceof ServerSocketChannel channel) {
			try {
				channel.close();
			}
			catch (IOException ex) {
				logger.debug("Failed to close the accept channel of " + this, ex);
			}
		}
	}

	/**
	 * Accept the next connection once the {@link ConnectionGate} lets this worker take
	 * it.
	 */
	@Override
	public void accept(int acceptorID) throws IOException {
		ConnectionGate gate = this.gate;
		if (gate != null) {
			try {
				gate.awaitTurn();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		super.accept(acceptorID);
	}

	/**
	 * Count a connection that an acceptor took: the selector opens its end point later.
	 */
	@Override
	protected void configure(Socket socket) {
		super.configure(socket);
		this.acceptedNotOpened.incrementAndGet();
		ConnectionGate gate = this.gate;
		if (gate != null) {
			gate.opened();
		}
	}

	@Override
	public void setAccepting(boolean accepting) {
		super.setAccepting(accepting);
		ConnectionGate gate = this.gate;
		if (gate != null) {
			gate.accepting(accepting && isRunning());
		}
	}

	@Override
	protected void doStart() throws Exception {
		super.doStart();
		ConnectionGate gate = this.gate;
		if (gate != null) {
			gate.accepting(isAccepting());
		}
	}

	/**
	 * Return whether this connector is draining: every response on HTTP/1.x closes its
	 * connection.
	 * @return whether the connector drains
	 */
	public boolean isDraining() {
		return this.drained != null;
	}

	@Override
	protected void onEndPointOpened(EndPoint endPoint) {
		super.onEndPointOpened(endPoint);
		this.acceptedNotOpened.updateAndGet((count) -> Math.max(0, count - 1));
		if (isDraining()) {
			// Accepted just as the drain began
			endPoint.setIdleTimeout(this.drainIdleTimeout);
		}
	}

	@Override
	protected void onEndPointClosed(EndPoint endPoint) {
		super.onEndPointClosed(endPoint);
		ConnectionGate gate = this.gate;
		if (gate != null) {
			gate.closed();
		}
		completeDrainWhenClosed();
	}

	private void completeDrainWhenClosed() {
		CompletableFuture<Void> drained = this.drained;
		// A connection accepted as the drain began may not have its end point yet
		if (drained != null && this.acceptedNotOpened.get() == 0 && getConnectedEndPoints().isEmpty()) {
			drained.complete(null);
		}
	}

	@Override
	protected void doStop() throws Exception {
		ConnectionGate gate = this.gate;
		if (gate != null) {
			gate.accepting(false);
		}
		super.doStop();
		CompletableFuture<Void> drained = this.drained;
		if (drained != null) {
			drained.complete(null);
		}
		this.drained = null;
	}

	@Override
	protected boolean handleAcceptFailure(Throwable failure) {
		if (isDraining()) {
			if (logger.isDebugEnabled()) {
				logger.debug(this + " drains: no more accepts");
			}
			return false;
		}
		if (isOpen() && isSharedSocketStopped()) {
			if (logger.isDebugEnabled()) {
				logger.debug("The forker master stopped the shared socket of " + this + ": no more accepts");
			}
			return false;
		}
		return super.handleAcceptFailure(failure);
	}

	/**
	 * Return whether the listening socket the master shares has stopped listening: the
	 * master stops it on a full stop.
	 * @return whether the shared socket was stopped
	 */
	boolean isSharedSocketStopped() {
		ServedPort port = this.worker.port(getPort());
		Integer fd = (port != null) ? port.fd() : null;
		return this.worker.socketMode() == WorkerSocketMode.INHERITED && fd != null
				&& !NativeSockets.get().isListening(fd);
	}

}
