package dev.forker.boot.worker;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.InvalidControlMessageException;
import dev.forker.boot.control.LineFramer;

/**
 * A worker's link to its master. It introduces the worker, reports its progress, and
 * watches the connection: when the master dies, the kernel closes its end, the link reads
 * end-of-file and the worker exits. This needs no polling of the parent pid, which would
 * be wrong in a container where the master is pid 1.
 *
 * @since 0.1.0
 */
public final class WorkerAgent implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	private final WorkerEnvironment environment;

	private final SocketChannel channel;

	private final Consumer<WorkerEnvironment> masterGone;

	private final ControlCodec codec = new ControlCodec();

	private final Object writeLock = new Object();

	private volatile boolean closed;

	WorkerAgent(WorkerEnvironment environment, SocketChannel channel, Consumer<WorkerEnvironment> masterGone) {
		this.environment = environment;
		this.channel = channel;
		this.masterGone = masterGone;
	}

	/**
	 * Connect this worker to its master and start watching the link.
	 * @param environment the worker environment
	 * @return the connected agent
	 * @throws IllegalStateException if the master cannot be reached
	 */
	public static WorkerAgent connect(WorkerEnvironment environment) {
		return connect(environment, WorkerAgent::exitBecauseMasterIsGone);
	}

	static WorkerAgent connect(WorkerEnvironment environment, Consumer<WorkerEnvironment> masterGone) {
		SocketChannel channel;
		try {
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			channel.connect(UnixDomainSocketAddress.of(environment.controlSocket()));
		}
		catch (IOException ex) {
			masterGone.accept(environment);
			throw new IllegalStateException("Cannot reach forker master (pid " + environment.masterPid() + ") at "
					+ environment.controlSocket(), ex);
		}
		WorkerAgent agent = new WorkerAgent(environment, channel, masterGone);
		agent
			.send(new ControlMessage.Hello(environment.workerId(), ProcessHandle.current().pid(), environment.token()));
		Thread reader = new Thread(agent::readUntilClosed, "forker-master-link");
		reader.setDaemon(true);
		reader.start();
		return agent;
	}

	/**
	 * Return the environment of this worker.
	 * @return the worker environment
	 */
	public WorkerEnvironment getEnvironment() {
		return this.environment;
	}

	/**
	 * Tell the master that this worker serves requests.
	 */
	public void reportReady() {
		send(new ControlMessage.Ready());
	}

	/**
	 * Tell the master why this worker's application failed to start.
	 * @param reason a one-line description of the failure
	 */
	public void reportStartupFailed(String reason) {
		send(new ControlMessage.StartupFailed(reason));
	}

	void send(ControlMessage message) {
		ByteBuffer bytes = ByteBuffer.wrap(this.codec.encode(message));
		synchronized (this.writeLock) {
			try {
				while (bytes.hasRemaining()) {
					this.channel.write(bytes);
				}
			}
			catch (IOException ex) {
				// The reader sees the broken link and acts on it
				logger.debug("Could not send " + message + " to the forker master", ex);
			}
		}
	}

	private void readUntilClosed() {
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		LineFramer framer = new LineFramer(ControlCodec.MAX_MESSAGE_BYTES);
		LineFramer.Handler handler = new LineFramer.Handler() {

			@Override
			public void line(byte[] bytes, int offset, int length) {
				receive(bytes, offset, length);
			}

			@Override
			public void oversized(int limit) {
				logger.warn("Skipped a control message from the master longer than " + limit + " bytes");
			}

		};
		try {
			while (this.channel.read(buffer) >= 0) {
				buffer.flip();
				framer.feed(buffer, handler);
				buffer.clear();
			}
		}
		catch (IOException ex) {
			logger.debug("Link to the forker master failed", ex);
		}
		if (!this.closed) {
			this.masterGone.accept(this.environment);
		}
	}

	private void receive(byte[] bytes, int offset, int length) {
		try {
			ControlMessage message = this.codec.decode(bytes, offset, length);
			logger.debug("Ignored unexpected control message " + message);
		}
		catch (InvalidControlMessageException ex) {
			logger.warn("Ignored an invalid control message from the master: " + ex.getMessage());
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.channel.close();
	}

	private static void exitBecauseMasterIsGone(WorkerEnvironment environment) {
		logger
			.error("forker master (pid " + environment.masterPid() + ") is gone: " + environment.name() + " stops now");
		Thread halt = new Thread(() -> {
			try {
				Thread.sleep(1500);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			Runtime.getRuntime().halt(1);
		}, "forker-orphan-halt");
		halt.setDaemon(true);
		halt.start();
		System.exit(1);
	}

}
