package dev.forker.boot.tomcat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import org.apache.tomcat.util.net.NioEndpoint;
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
		if (!setSocketOptions(socket)) {
			closeSocket(socket);
		}
	}

	void logAcceptFailure(Throwable failure) {
		getLog().error(sm.getString("endpoint.accept.fail"), failure);
	}

}
