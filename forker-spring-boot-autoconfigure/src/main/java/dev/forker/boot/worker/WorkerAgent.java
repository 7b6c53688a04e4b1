package dev.forker.boot.worker;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.InvalidControlMessageException;
import dev.forker.boot.control.LineFramer;

/**
 * A worker's link to its master. It introduces the worker, reports its progress, sends
 * heartbeats, relays status requests and commands, and watches the connection: when the
 * master dies, the kernel closes its end, the link reads end-of-file and the worker
 * exits. This needs no polling of the parent pid, which would be wrong in a container
 * where the master is pid 1.
 *
 * @since 0.1.0
 */
public final class WorkerAgent implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	private static final String STARTING = "STARTING";

	private final WorkerEnvironment environment;

	private final SocketChannel channel;

	private final Consumer<WorkerEnvironment> masterGone;

	private final ControlCodec codec = new ControlCodec();

	private final Object writeLock = new Object();

	private final AtomicLong requestIds = new AtomicLong();

	private final Map<Long, CompletableFuture<ControlMessage>> pending = new ConcurrentHashMap<>();

	private volatile Supplier<String> health = () -> STARTING;

	private volatile LongSupplier requests = () -> 0;

	private volatile @Nullable MasterSummary masterSummary;

	private volatile @Nullable PeriodicTask heartbeats;

	private volatile boolean closed;

	WorkerAgent(WorkerEnvironment environment, SocketChannel channel, Consumer<WorkerEnvironment> masterGone) {
		this.environment = environment;
		this.channel = channel;
		this.masterGone = masterGone;
	}

	/**
	 * Connect this worker to its master, start watching the link and sending heartbeats.
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
		agent.startHeartbeats();
		return agent;
	}

	private void startHeartbeats() {
		this.heartbeats = PeriodicTask.start("forker-heartbeat", Duration.ZERO, this.environment.heartbeatInterval(),
				this::sendHeartbeat);
	}

	private void sendHeartbeat() {
		String status;
		long handled;
		try {
			status = this.health.get();
			handled = this.requests.getAsLong();
		}
		catch (RuntimeException ex) {
			status = "UNKNOWN";
			handled = 0;
		}
		send(new ControlMessage.Heartbeat(status, handled));
	}

	/**
	 * Return the environment of this worker.
	 * @return the worker environment
	 */
	public WorkerEnvironment getEnvironment() {
		return this.environment;
	}

	/**
	 * Set what the heartbeats report. Both suppliers are called on the heartbeat thread
	 * and must answer at once.
	 * @param health the worker's current health status, such as {@code UP}
	 * @param requests the number of requests the worker has handled
	 */
	public void report(Supplier<String> health, LongSupplier requests) {
		this.health = health;
		this.requests = requests;
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

	/**
	 * Return what the master said of all workers in its last answer to a heartbeat.
	 * @return the summary, or {@code null} before the first answer
	 */
	public @Nullable MasterSummary getMasterSummary() {
		return this.masterSummary;
	}

	/**
	 * Ask the master for its view of all workers.
	 * @param timeout how long to wait for the answer
	 * @return the status
	 * @throws IllegalStateException if the master does not answer in time
	 */
	public ForkerStatus status(Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		return ((ControlMessage.StatusReply) request(id, new ControlMessage.StatusRequest(id), timeout)).status();
	}

	/**
	 * Ask the master to carry out a command.
	 * @param command the command
	 * @param workers the number of workers, for {@link ControlMessage.Command#SCALE}
	 * @param timeout how long to wait for the answer
	 * @return the master's answer
	 * @throws IllegalStateException if the master does not answer in time
	 */
	public ControlMessage.CommandReply command(ControlMessage.Command command, @Nullable Integer workers,
			Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		return (ControlMessage.CommandReply) request(id, new ControlMessage.CommandRequest(id, command, workers),
				timeout);
	}

	private ControlMessage request(long id, ControlMessage request, Duration timeout) {
		CompletableFuture<ControlMessage> reply = new CompletableFuture<>();
		this.pending.put(id, reply);
		try {
			send(request);
			return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("forker master did not answer within " + timeout.toMillis() + "ms", ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("forker master did not answer", ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the forker master", ex);
		}
		finally {
			this.pending.remove(id);
		}
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
		IllegalStateException gone = new IllegalStateException("Link to the forker master is closed");
		this.pending.values().forEach((reply) -> reply.completeExceptionally(gone));
		if (!this.closed) {
			this.masterGone.accept(this.environment);
		}
	}

	private void receive(byte[] bytes, int offset, int length) {
		ControlMessage message;
		try {
			message = this.codec.decode(bytes, offset, length);
		}
		catch (InvalidControlMessageException ex) {
			logger.warn("Ignored an invalid control message from the master: " + ex.getMessage());
			return;
		}
		if (message instanceof ControlMessage.HeartbeatAck ack) {
			this.masterSummary = new MasterSummary(ack.configuredWorkers(), ack.readyWorkers(), Instant.now());
		}
		else if (message instanceof ControlMessage.StatusReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.CommandReply reply) {
			complete(reply.requestId(), reply);
		}
		else {
			logger.debug("Ignored unexpected control message " + message);
		}
	}

	private void complete(long requestId, ControlMessage reply) {
		CompletableFuture<ControlMessage> future = this.pending.get(requestId);
		if (future != null) {
			future.complete(reply);
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		PeriodicTask heartbeats = this.heartbeats;
		if (heartbeats != null) {
			heartbeats.stop();
		}
		this.channel.close();
	}

	private static void exitBecauseMasterIsGone(WorkerEnvironment environment) {
		logger
			.error("forker master (pid " + environment.masterPid() + ") is gone: " + environment.name() + " stops now");
		Thread halt = new Thread(() -> {
			try {
				Thread.sleep(1000);
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

	/**
	 * What the master last said of all workers.
	 *
	 * @param configuredWorkers the number of workers the master keeps running
	 * @param readyWorkers the number of ready workers
	 * @param receivedAt when the worker received it
	 */
	public record MasterSummary(int configuredWorkers, int readyWorkers, Instant receivedAt) {

	}

}
