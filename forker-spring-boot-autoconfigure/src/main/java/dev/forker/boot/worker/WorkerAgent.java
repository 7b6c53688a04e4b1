package dev.forker.boot.worker;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import dev.forker.boot.balance.ConnectionGates;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
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
 * <p>
 * It is the one face of the link that the other packages use (reports, roles, database
 * turns, status and commands), which makes it longer than most classes: each of those is
 * a few lines over the {@link MasterLink}, which holds the wire (connection, reading,
 * requests and their answers), and {@link OrphanExit} holds what a worker does when its
 * master is gone.
 *
 * @since 0.1.0
 */
public final class WorkerAgent implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	private static final String STARTING = "STARTING";

	private static volatile @Nullable WorkerAgent current;

	private final WorkerEnvironment environment;

	private final MasterLink link;

	private final ThreadPoolTaskScheduler scheduler;

	private volatile Supplier<String> health = () -> STARTING;

	private volatile LongSupplier requests = () -> 0;

	private volatile @Nullable MasterSummary masterSummary;

	private volatile @Nullable ScheduledFuture<?> heartbeats;

	private final WorkerRoles roles = new WorkerRoles((role) -> send(new ControlMessage.RoleReleased(role)));

	private final CountDownLatch databaseInitialized = new CountDownLatch(1);

	private volatile @Nullable DatabaseTurn databaseTurn;

	private volatile boolean closed;

	private volatile boolean ready;

	private volatile boolean loggingStarted;

	private final List<Runnable> masterReplacedListeners = new CopyOnWriteArrayList<>();

	WorkerAgent(WorkerEnvironment environment, SocketChannel channel, Consumer<WorkerEnvironment> masterGone) {
		this.environment = environment;
		this.link = new MasterLink(environment, channel, this::receive, () -> {
			if (!this.closed) {
				masterGone.accept(environment);
			}
		}, () -> {
			if (this.ready) {
				send(new ControlMessage.Ready());
			}
			masterReplaced();
		});
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
		try {
			agent.link.connect();
		}
		catch (IOException ex) {
			agent.scheduler.shutdown();
			masterGone.accept(environment);
			throw new IllegalStateException("Cannot reach forker master (pid " + environment.masterPid() + ") at "
					+ environment.controlSocket(), ex);
		}
		agent.heartbeats = agent.scheduler.scheduleWithFixedDelay(agent::sendHeartbeat,
				environment.heartbeatInterval());
		return agent;
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
		send(new ControlMessage.Heartbeat(status, handled, ConnectionGates.openConnections()));
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
		long id = this.link.nextRequestId();
		ControlMessage.DatabaseTurnReply reply = (ControlMessage.DatabaseTurnReply) this.link.request(id,
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
		long id = this.link.nextRequestId();
		return ((ControlMessage.StatusReply) this.link.request(id, new ControlMessage.StatusRequest(id), timeout))
			.status();
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
		long id = this.link.nextRequestId();
		return (ControlMessage.CommandReply) this.link.request(id,
				new ControlMessage.CommandRequest(id, command, workers), timeout);
	}

	/**
	 * Add a listener called once this worker is connected to a master that replaced the
	 * previous one in place (an in-place upgrade), on a thread of its own: it may ask the
	 * master.
	 * @param listener the listener
	 */
	public void addMasterReplacedListener(Runnable listener) {
		this.masterReplacedListeners.add(listener);
	}

	private void masterReplaced() {
		if (this.masterReplacedListeners.isEmpty()) {
			return;
		}
		// Not on the link's thread, which reads the answers the listeners wait for
		Thread thread = new Thread(() -> {
			for (Runnable listener : this.masterReplacedListeners) {
				try {
					listener.run();
				}
				catch (RuntimeException ex) {
					logger.warn("A listener of the new forker master failed", ex);
				}
			}
		}, "forker-" + this.environment.name() + "-master-replaced");
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * Act on a message from the master that answers no request, on the link's thread.
	 * @param message the message
	 */
	private void receive(ControlMessage message) {
		if (message instanceof ControlMessage.HeartbeatAck ack) {
			this.masterSummary = new MasterSummary(ack.configuredWorkers(), ack.readyWorkers(), Instant.now());
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
		else if (message instanceof ControlMessage.MasterReplacing) {
			// The new master gives the roles again: a job that runs once per application
			// must not run here as well
			this.roles.revokeAll(() -> send(new ControlMessage.ReadyForNewMaster()));
		}
		else {
			logger.debug("Ignored unexpected control message " + message);
		}
	}

	void send(ControlMessage message) {
		this.link.send(message);
	}

	@Override
	public void close() throws IOException {
		this.closed = true;
		this.roles.close();
		ScheduledFuture<?> heartbeats = this.heartbeats;
		if (heartbeats != null) {
			heartbeats.cancel(false);
		}
		this.scheduler.shutdown();
		this.link.close();
	}

	private static void exitBecauseMasterIsGone(WorkerEnvironment environment) {
		WorkerAgent agent = current;
		OrphanExit.exit(environment, haltsAtOnce(agent), agent == null || !agent.loggingStarted);
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
	 * What the master last said of all workers.
	 *
	 * @param configuredWorkers the number of workers the master keeps running
	 * @param readyWorkers the number of ready workers
	 * @param receivedAt when the worker received it
	 */
	public record MasterSummary(int configuredWorkers, int readyWorkers, Instant receivedAt) {

	}

}
