package dev.forker.boot.worker;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.InvalidControlMessageException;
import dev.forker.boot.control.LineFramer;
import dev.forker.boot.control.WorkerEnvironment;

/**
 * A worker's link to its master. It introduces the worker, reports its progress, sends
 * heartbeats, relays status requests and commands, and watches the connection: when the
 * master dies, the kernel closes its end, the link reads end-of-file and the worker
 * exits. This needs no polling of the parent pid, which would be wrong in a container
 * where the master is pid 1.
 * <p>
 * Its task scheduler runs the worker's periodic work (heartbeats, health evaluation,
 * metrics) on daemon threads, so that none of it keeps the JVM alive and a slow health
 * check never delays a heartbeat.
 *
 * @since 0.1.0
 */
public final class WorkerAgent implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	/**
	 * How long a worker waits for its master to listen on its control socket.
	 */
	static final long MASTER_LISTEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

	private static final long MASTER_LISTEN_POLL_MILLIS = 10;

	private static final String STARTING = "STARTING";

	/**
	 * How long a ready worker whose master is gone has for its shutdown hooks before it
	 * halts: within the 2 seconds that an orphan may live.
	 */
	static final long ORPHAN_GRACE_MILLIS = 1000;

	/**
	 * Largest encoded broadcast a worker sends: the master's delivery of it, with an id
	 * of its own, must fit in a control message.
	 */
	static final int MAX_BROADCAST_BYTES = ControlCodec.MAX_MESSAGE_BYTES - 256;

	/**
	 * Time the sender of a broadcast waits for the master's answer past the broadcast's
	 * timeout, at which the master answers.
	 */
	private static final Duration BROADCAST_REPLY_GRACE = Duration.ofSeconds(2);

	private static volatile @Nullable WorkerAgent current;

	private final WorkerEnvironment environment;

	// Replaced by the connected channel before any other thread uses it
	private SocketChannel channel;

	private final Consumer<WorkerEnvironment> masterGone;

	private final ControlCodec codec = new ControlCodec();

	private final Object writeLock = new Object();

	private final AtomicLong requestIds = new AtomicLong();

	private final Map<Long, PendingRequest> pending = new ConcurrentHashMap<>();

	private final ThreadPoolTaskScheduler scheduler;

	private volatile Supplier<String> health = () -> STARTING;

	private volatile LongSupplier requests = () -> 0;

	private volatile @Nullable MasterSummary masterSummary;

	private volatile @Nullable ScheduledFuture<?> heartbeats;

	private final WorkerRoles roles = new WorkerRoles((role) -> send(new ControlMessage.RoleReleased(role)));

	private final BroadcastListeners broadcastListeners = new BroadcastListeners(
			(deliveryId) -> send(new ControlMessage.DeliveryAck(deliveryId)));

	private final CountDownLatch databaseInitialized = new CountDownLatch(1);

	private volatile @Nullable DatabaseTurn databaseTurn;

	private volatile boolean closed;

	private volatile boolean ready;

	private volatile boolean loggingStarted;

	private volatile boolean masterReplacing;

	private volatile @Nullable Object replacedControlSocket;

	private final TermSignalShield termSignalShield = new TermSignalShield();

	WorkerAgent(WorkerEnvironment environment, SocketChannel channel, Consumer<WorkerEnvironment> masterGone) {
		this.environment = environment;
		this.channel = channel;
		this.masterGone = masterGone;
		this.scheduler = new ThreadPoolTaskScheduler();
		this.scheduler.setPoolSize(3);
		this.scheduler.setDaemon(true);
		this.scheduler.setThreadNamePrefix("forker-" + environment.name() + "-");
		this.scheduler.setWaitForTasksToCompleteOnShutdown(false);
		this.scheduler.initialize();
	}

	/**
	 * Connect this worker to its master, start watching the link and sending heartbeats.
	 * @param environment the worker environment
	 * @return the connected agent
	 * @throws IllegalStateException if the master cannot be reached
	 */
	public static WorkerAgent connect(WorkerEnvironment environment) {
		WorkerAgent agent = connect(environment, WorkerAgent::exitBecauseMasterIsGone);
		current = agent;
		return agent;
	}

	/**
	 * Return the agent of this worker JVM.
	 * @return the agent, or {@code null} when this JVM is not a connected worker
	 */
	public static @Nullable WorkerAgent current() {
		return current;
	}

	static WorkerAgent connect(WorkerEnvironment environment, Consumer<WorkerEnvironment> masterGone) {
		SocketChannel channel;
		try {
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot open a socket to forker master (pid " + environment.masterPid()
					+ ") at " + environment.controlSocket(), ex);
		}
		WorkerAgent agent = new WorkerAgent(environment, channel, masterGone);
		// Everything slow (the agent, the codec's first use) comes before the connection:
		// the master closes connections that do not introduce themselves in time, and a
		// worker starting on a busy machine must not be taken for one
		byte[] hello = agent.codec.encode(
				new ControlMessage.Hello(environment.workerId(), ProcessHandle.current().pid(), environment.token()));
		try {
			channel = connectWhenListening(environment, channel);
		}
		catch (IOException ex) {
			agent.scheduler.shutdown();
			masterGone.accept(environment);
			throw new IllegalStateException("Cannot reach forker master (pid " + environment.masterPid() + ") at "
					+ environment.controlSocket(), ex);
		}
		agent.channel = channel;
		agent.write(hello, "hello");
		Thread reader = new Thread(agent::readUntilClosed, "forker-master-link");
		reader.setDaemon(true);
		reader.start();
		agent.heartbeats = agent.scheduler.scheduleWithFixedDelay(agent::sendHeartbeat,
				environment.heartbeatInterval());
		return agent;
	}

	/**
	 * Connect to the master's control socket, waiting while nothing listens there yet:
	 * the first workers start while the application's JVM becomes the master. Gives up
	 * when this process's parent is not the master any more (it is gone) or after
	 * {@link #MASTER_LISTEN_TIMEOUT_NANOS}.
	 */
	private static SocketChannel connectWhenListening(WorkerEnvironment environment, SocketChannel first)
			throws IOException {
		UnixDomainSocketAddress address = UnixDomainSocketAddress.of(environment.controlSocket());
		long deadline = System.nanoTime() + MASTER_LISTEN_TIMEOUT_NANOS;
		SocketChannel channel = first;
		while (true) {
			try {
				channel.connect(address);
				return channel;
			}
			catch (IOException ex) {
				channel.close();
				if (System.nanoTime() - deadline >= 0 || !isChildOf(environment.masterPid())) {
					throw ex;
				}
			}
			try {
				Thread.sleep(MASTER_LISTEN_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new InterruptedIOException("Interrupted while waiting for forker master to listen");
			}
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		}
	}

	private static boolean isChildOf(long pid) {
		return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == pid;
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
	 * Return the scheduler that runs this worker's periodic tasks on daemon threads.
	 * @return the scheduler
	 */
	public TaskScheduler getScheduler() {
		return this.scheduler;
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
		this.ready = true;
		send(new ControlMessage.Ready());
	}

	/**
	 * Note that Spring Boot's logging system is initialized: until then it drops every
	 * log event, so a worker that stops before says why on its standard error.
	 */
	public void loggingStarted() {
		this.loggingStarted = true;
	}

	/**
	 * Tell the master why this worker's application failed to start.
	 * @param reason a one-line description of the failure
	 * @param description the description of Spring Boot's failure analysis, if there is
	 * one
	 * @param action the action of Spring Boot's failure analysis, if there is one
	 */
	public void reportStartupFailed(String reason, @Nullable String description, @Nullable String action) {
		send(new ControlMessage.StartupFailed(reason, description, action));
	}

	/**
	 * Return the roles the master gave this worker.
	 * @return the roles
	 */
	public WorkerRoles getRoles() {
		return this.roles;
	}

	/**
	 * Ask the master whether this worker initializes the database or waits for the worker
	 * that does. The answer is kept for {@link #getDatabaseTurn()}.
	 * @param timeout how long to wait for the answer
	 * @return the answer
	 * @throws IllegalStateException if the master does not answer in time
	 */
	public DatabaseTurn requestDatabaseTurn(Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		ControlMessage.DatabaseTurnReply reply = (ControlMessage.DatabaseTurnReply) request(id,
				new ControlMessage.DatabaseTurnRequest(id), timeout);
		DatabaseTurn turn = new DatabaseTurn(reply.initialize());
		if (reply.initialized()) {
			this.databaseInitialized.countDown();
		}
		this.databaseTurn = turn;
		return turn;
	}

	/**
	 * Return what the master answered to {@link #requestDatabaseTurn(Duration)}.
	 * @return the answer, or {@code null} if this worker did not ask
	 */
	public @Nullable DatabaseTurn getDatabaseTurn() {
		return this.databaseTurn;
	}

	/**
	 * Wait until the worker that initializes the database has done it.
	 * @param timeout how long to wait at most
	 * @return whether it has
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean awaitDatabaseInitialized(Duration timeout) throws InterruptedException {
		return this.databaseInitialized.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	/**
	 * Load, save or delete an HTTP session in the master's session store.
	 * @param request the request; its id is replaced by a new one
	 * @param timeout how long to wait for the answer
	 * @return the session's bytes, for a load of a session that exists
	 * @throws IllegalStateException if the master does not answer in time
	 */
	public byte @Nullable [] session(ControlMessage.SessionRequest request, Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		ControlMessage.SessionRequest numbered = new ControlMessage.SessionRequest(id, request.operation(),
				request.id(), request.originalId(), request.data(), request.maxInactiveSeconds());
		return ((ControlMessage.SessionReply) request(id, numbered, timeout)).data();
	}

	/**
	 * Tell the master that this worker has initialized the database.
	 */
	public void reportDatabaseInitialized() {
		this.databaseInitialized.countDown();
		send(new ControlMessage.DatabaseInitialized());
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

	/**
	 * Deliver a payload to every other worker through the master, and wait until they
	 * have all run their listeners of the topic, or until the timeout. Workers that are
	 * being killed for not answering, and workers not yet connected to the master, are
	 * left out. Listeners must not broadcast themselves.
	 * @param topic the topic, which selects the listeners
	 * @param payload the payload, a little under 64 KiB once encoded with its topic
	 * @param timeout how long the master waits for the other workers
	 * @return how many workers acknowledged the delivery, and how many did not
	 * @throws IllegalArgumentException if the payload is too large
	 * @throws IllegalStateException if the master refuses the broadcast or does not
	 * answer
	 * @see #addBroadcastListener(String, Consumer)
	 */
	public BroadcastResult broadcast(String topic, String payload, Duration timeout) {
		long id = this.requestIds.incrementAndGet();
		byte[] encoded = this.codec.encode(new ControlMessage.Broadcast(id, topic, payload, timeout.toMillis()));
		if (encoded.length > MAX_BROADCAST_BYTES) {
			throw new IllegalArgumentException("A broadcast of " + encoded.length + " bytes exceeds "
					+ MAX_BROADCAST_BYTES + " bytes (topic " + topic + ")");
		}
		ControlMessage.BroadcastReply reply = (ControlMessage.BroadcastReply) request(id, encoded,
				timeout.plus(BROADCAST_REPLY_GRACE));
		if (reply.refused() != null) {
			throw new IllegalStateException("forker master refused the broadcast: " + reply.refused());
		}
		return new BroadcastResult(reply.delivered(), reply.missing());
	}

	/**
	 * Add a listener of the broadcasts of other workers on a topic. Listeners run on a
	 * thread of their own, one delivery at a time, in the order the master delivers them;
	 * the sender's {@link #broadcast} returns once they have returned.
	 * @param topic the topic
	 * @param listener called with the payload of each delivery
	 */
	public void addBroadcastListener(String topic, Consumer<String> listener) {
		this.broadcastListeners.add(topic, listener);
	}

	private ControlMessage request(long id, ControlMessage request, Duration timeout) {
		return request(id, this.codec.encode(request), timeout);
	}

	private ControlMessage request(long id, byte[] request, Duration timeout) {
		PendingRequest reply = new PendingRequest();
		this.pending.put(id, reply);
		try {
			write(request, "request " + id);
			return reply.future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
		write(this.codec.encode(message), message);
	}

	private void write(byte[] encoded, Object message) {
		ByteBuffer bytes = ByteBuffer.wrap(encoded);
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
		while (true) {
			readUntilEnd();
			IllegalStateException gone = new IllegalStateException("Link to the forker master is closed");
			this.pending.values().forEach((reply) -> reply.future.completeExceptionally(gone));
			if (this.closed || !this.masterReplacing || !reconnect()) {
				break;
			}
		}
		if (!this.closed) {
			this.masterGone.accept(this.environment);
		}
	}

	/**
	 * Connect to the master that replaced the one whose link closed, with the same pid
	 * and control socket, within {@link #MASTER_LISTEN_TIMEOUT_NANOS}.
	 * @return whether this worker is connected to the new master
	 */
	private boolean reconnect() {
		try {
			byte[] hello = this.codec.encode(new ControlMessage.Hello(this.environment.workerId(),
					ProcessHandle.current().pid(), this.environment.token()));
			SocketChannel channel = connectToNewMaster();
			synchronized (this.writeLock) {
				this.channel.close();
				this.channel = channel;
			}
			write(hello, "hello");
			if (this.ready) {
				send(new ControlMessage.Ready());
			}
			logger.info(this.environment.name() + " is connected to the new forker master (pid "
					+ this.environment.masterPid() + ")");
			return true;
		}
		catch (IOException | RuntimeException ex) {
			logger.error("Could not connect to the new forker master (pid " + this.environment.masterPid() + ") at "
					+ this.environment.controlSocket() + ": " + ex);
			return false;
		}
		finally {
			this.masterReplacing = false;
			this.termSignalShield.release();
		}
	}

	/**
	 * Connect to the new master once it listens: on a control socket of its own at the
	 * same path (the replaced master's may accept a connection while its descriptors
	 * close), while the master's process exists, within
	 * {@link #MASTER_LISTEN_TIMEOUT_NANOS}.
	 */
	private SocketChannel connectToNewMaster() throws IOException {
		Path socket = this.environment.controlSocket();
		Path master = Path.of("/proc", Long.toString(this.environment.masterPid()));
		boolean proc = Files.isDirectory(Path.of("/proc/self"));
		long deadline = System.nanoTime() + MASTER_LISTEN_TIMEOUT_NANOS;
		while (true) {
			Object key = fileKey(socket);
			if (key != null && !key.equals(this.replacedControlSocket)) {
				SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
				try {
					channel.connect(UnixDomainSocketAddress.of(socket));
					return channel;
				}
				catch (IOException ex) {
					channel.close();
				}
			}
			if (System.nanoTime() - deadline >= 0 || (proc && !Files.isDirectory(master))) {
				throw new IOException("The new forker master does not listen at " + socket);
			}
			try {
				Thread.sleep(MASTER_LISTEN_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new InterruptedIOException("Interrupted while waiting for the new forker master");
			}
		}
	}

	private static @Nullable Object fileKey(Path path) {
		try {
			return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
		}
		catch (IOException ex) {
			return null;
		}
	}

	private void readUntilEnd() {
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
			PendingRequest request = this.pending.get(reply.requestId());
			if (request != null) {
				request.part(reply);
			}
		}
		else if (message instanceof ControlMessage.CommandReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.DatabaseTurnReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.SessionReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.DatabaseInitialized) {
			this.databaseInitialized.countDown();
		}
		else if (message instanceof ControlMessage.RoleGranted granted) {
			this.roles.granted(granted.role());
		}
		else if (message instanceof ControlMessage.RoleRevoked revoked) {
			this.roles.revoked(revoked.role());
		}
		else if (message instanceof ControlMessage.Delivery delivery) {
			this.broadcastListeners.deliver(delivery.deliveryId(), delivery.topic(), delivery.payload());
		}
		else if (message instanceof ControlMessage.BroadcastReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.MasterReplacing) {
			// Before the link closes: the master's execve may end the thread that
			// started this worker, which then gets its parent-death signal
			this.termSignalShield.hold();
			this.replacedControlSocket = fileKey(this.environment.controlSocket());
			this.masterReplacing = true;
			logger.info("forker master (pid " + this.environment.masterPid() + ") replaces itself in place: "
					+ this.environment.name() + " keeps serving and connects to the new master");
			send(new ControlMessage.ReadyForNewMaster());
		}
		else {
			logger.debug("Ignored unexpected control message " + message);
		}
	}

	private void complete(long requestId, ControlMessage reply) {
		PendingRequest request = this.pending.get(requestId);
		if (request != null) {
			request.future.complete(reply);
		}
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.roles.close();
		this.broadcastListeners.close();
		ScheduledFuture<?> heartbeats = this.heartbeats;
		if (heartbeats != null) {
			heartbeats.cancel(false);
		}
		this.scheduler.shutdown();
		this.channel.close();
	}

	/**
	 * Stop this worker because its master is gone. A worker that has not been ready yet
	 * (its JVM or its application context is still starting) halts at once: closing a
	 * context that is still refreshing waits for the refresh, and in shared mode the
	 * worker already holds the listening socket. A ready worker exits through its
	 * shutdown hooks (Spring Boot's graceful shutdown), and halts if they take longer
	 * than {@link #ORPHAN_GRACE_MILLIS}, also when it was already stopping.
	 */
	private static void exitBecauseMasterIsGone(WorkerEnvironment environment) {
		WorkerAgent agent = current;
		String message = "forker master (pid " + environment.masterPid() + ") is gone: " + environment.name()
				+ " stops now";
		if (haltsAtOnce(agent)) {
			message += " (it was not ready yet, so it halts without closing its application context)";
			logger.error(message);
			if (agent == null || !agent.loggingStarted) {
				System.err.println(message);
			}
			System.err.flush();
			Runtime.getRuntime().halt(1);
		}
		logger.error(message);
		Thread halt = new Thread(() -> {
			try {
				Thread.sleep(ORPHAN_GRACE_MILLIS);
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
	 * Return whether a worker whose master is gone halts at once rather than run its
	 * shutdown hooks.
	 * @param agent the worker's agent, or {@code null} if it is not connected yet
	 * @return {@code true} unless the worker has been ready
	 */
	static boolean haltsAtOnce(@Nullable WorkerAgent agent) {
		return agent == null || !agent.ready;
	}

	/**
	 * The master's answer to {@link #requestDatabaseTurn(Duration)}.
	 *
	 * @param initialize whether this worker initializes the database; if not, it waits
	 * for the worker that does and runs no {@code spring.sql.init} scripts
	 */
	public record DatabaseTurn(boolean initialize) {

	}

	/**
	 * What became of a {@link #broadcast broadcast}.
	 *
	 * @param delivered the number of other workers that ran their listeners
	 * @param missing the number of other workers that did not acknowledge the delivery in
	 * time, or whose link closed
	 */
	public record BroadcastResult(int delivered, int missing) {

		/**
		 * Return whether every worker that was sent the broadcast acknowledged it.
		 * @return whether none is missing
		 */
		public boolean isComplete() {
			return this.missing == 0;
		}

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

	/**
	 * A request waiting for its answer, which can come in parts.
	 */
	private static final class PendingRequest {

		private final CompletableFuture<ControlMessage> future = new CompletableFuture<>();

		private final List<ForkerStatus.Worker> workers = new ArrayList<>();

		private int parts;

		synchronized void part(ControlMessage.StatusReply reply) {
			this.workers.addAll(reply.status().workers());
			this.parts++;
			if (this.parts >= reply.parts()) {
				ForkerStatus status = new ForkerStatus(reply.status().master(), this.workers);
				this.future.complete(new ControlMessage.StatusReply(reply.requestId(), status, 1, 1));
			}
		}

	}

}
