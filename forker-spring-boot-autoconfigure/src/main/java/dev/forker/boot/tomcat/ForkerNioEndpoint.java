package dev.forker.boot.tomcat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.worker.WorkerEnvironment;
import dev.forker.boot.worker.WorkerListenSocket;
import dev.forker.boot.worker.WorkerSocketMode;

/**
 * A {@link NioEndpoint} for forker workers. It opens its listening socket with
 * {@link WorkerListenSocket} (bound with {@code SO_REUSEPORT}, or inherited from the
 * master in shared mode) and accepts with a {@link ForkerAcceptor}, which stops accepting
 * without the self-connection Tomcat normally uses to wake its acceptor: with a shared
 * port that connection could reach a sibling worker.
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

	private static final Duration DISPATCH_DRAIN_TIMEOUT = Duration.ofSeconds(1);

	private final Set<SocketChannel> undispatched = ConcurrentHashMap.newKeySet();

	private volatile @Nullable ForkerAcceptor forkerAcceptor;

	@Override
	protected void initServerSocket() throws Exception {
		WorkerEnvironment worker = WorkerEnvironment.current();
		if (worker == null) {
			super.initServerSocket();
			return;
		}
		// Tomcat never closes an inherited channel
		setUseInheritedChannel(worker.socketMode() == WorkerSocketMode.INHERITED);
		ServerSocketChannel channel = WorkerListenSocket.open(worker, getAddress(), getAcceptCount(),
				(unbound) -> this.socketProperties.setProperties(unbound.socket()));
		SERVER_SOCK.set(this, channel);
	}

	ServerSocketChannel serverSocketChannel() {
		return (ServerSocketChannel) SERVER_SOCK.get(this);
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
		countDownConnection();
	}

	void serve(SocketChannel socket) {
		this.undispatched.add(socket);
		if (!setSocketOptions(socket)) {
			this.undispatched.remove(socket);
			closeSocket(socket);
		}
	}

	@Override
	public boolean processSocket(SocketWrapperBase<NioChannel> socketWrapper, SocketEvent event, boolean dispatch) {
		boolean processed = super.processSocket(socketWrapper, event, dispatch);
		// Only now, with its processor queued, does a new connection stop counting as
		// undispatched
		if (socketWrapper != null && !this.undispatched.isEmpty()) {
			NioChannel channel = socketWrapper.getSocket();
			if (channel != null) {
				this.undispatched.remove(channel.getIOChannel());
			}
		}
		return processed;
	}

	/**
	 * Stop accepting, let the connections already accepted reach the application, then
	 * pause. Tomcat closes a connection unanswered when its first request is processed
	 * after the pause, and Spring Boot's graceful shutdown only waits for requests that
	 * are being handled, so without this a connection accepted an instant before the stop
	 * would be lost.
	 */
	@Override
	public void pause() {
		ForkerAcceptor acceptor = this.forkerAcceptor;
		if (isRunning() && !isPaused() && acceptor != null) {
			acceptor.stopAccepting();
			awaitAcceptedConnectionsDispatched();
		}
		super.pause();
	}

	@Override
	public void resume() {
		super.resume();
		ForkerAcceptor acceptor = this.forkerAcceptor;
		if (acceptor != null && isRunning()) {
			acceptor.resumeAccepting();
		}
	}

	private void awaitAcceptedConnectionsDispatched() {
		long deadline = System.nanoTime() + DISPATCH_DRAIN_TIMEOUT.toNanos();
		while ((!this.undispatched.isEmpty() || !executorIdle()) && System.nanoTime() - deadline < 0) {
			try {
				Thread.sleep(2);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private boolean executorIdle() {
		return !(getExecutor() instanceof ThreadPoolExecutor executor)
				|| (executor.getActiveCount() == 0 && executor.getQueue().isEmpty());
	}

	void logAcceptFailure(Throwable failure) {
		getLog().error(sm.getString("endpoint.accept.fail"), failure);
	}

}
