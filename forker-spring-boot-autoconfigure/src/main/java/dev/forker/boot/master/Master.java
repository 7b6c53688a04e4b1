package dev.forker.boot.master;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ControlMessage.Command;
import dev.forker.boot.control.ControlServer;
import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerState;

/**
 * The forker master: a small event loop that owns the state of every worker. It starts
 * the workers, restarts those that exit unexpectedly, replaces them one at a time on
 * request, changes their number, and stops them all on {@code SIGTERM} or {@code SIGINT}.
 * The master itself is the loop and its dispatch; each transition lives in a collaborator
 * that does one job: {@link FirstStart} starts the workers in turns,
 * {@link WorkerSpawner} starts one worker or its replacement, {@link WorkerReadiness}
 * acts on a worker that is ready, {@link WorkerExits} on one that exited,
 * {@link WorkerRestarts} restarts failed workers, {@link WorkerRetirement} takes one
 * worker out of service, {@link RollingRestartSteps} replaces them one at a time,
 * {@link WorkerScaling} changes their number and {@link Shutdown} stops them all.
 * {@link WorkerTable} holds the state, {@link WorkerProcesses} starts, signals and reaps
 * processes, {@link RestartPolicy} decides delays and the budget, {@link RollingRestart}
 * tracks a rolling restart, {@link Watchdog} finds late workers, {@link RoleHolder} gives
 * the scheduler role to one worker at a time, {@link DatabaseInitialization} lets one
 * worker initialize the database first, {@link SessionSweeper} keeps house among the
 * sessions that the workers share, {@link ControlProtocol} turns messages into events and
 * {@link StatusReport} describes it all.
 * <p>
 * All state lives on the thread that runs the loop: other threads (signals, the reaper)
 * only {@link #post(Runnable) post} tasks to it. The operating system is behind
 * {@link WorkerProcesses} and time behind {@link MasterClock}, so that the state machine
 * can be driven in tests without processes or waiting. Nothing one worker, one task or
 * one spawn does can end the loop: failures are logged and the loop goes on; only a stop
 * signal, a start that cannot succeed, or an exhausted restart budget end it.
 *
 * @since 0.1.0
 */
public final class Master implements ControlServer.Handler {

	private static final Log logger = LogFactory.getLog(Master.class);

	private final ForkerProperties properties;

	private final WorkerProcesses processes;

	private final MasterClock clock;

	private final int port;

	private final List<ServedPort> ports;

	private final long masterPid;

	private final WorkerTable table = new WorkerTable();

	private final RollingRestart rollingRestart = new RollingRestart();

	private final Watchdog watchdog;

	private final StatusReport statusReport;

	private final ControlProtocol protocol;

	private final RoleHolder scheduler = new RoleHolder("SCHEDULER",
			"runs the scheduled jobs that run once per application");

	private final DatabaseInitialization database = new DatabaseInitialization();

	private final ForkerProperties.Sessions sessionProperties;

	private @Nullable SessionSweeper sessions;

	private final InPlaceUpgrade upgrade;

	private final WorkerSpawner spawner;

	private final WorkerRetirement retirement;

	private final Shutdown shutdown;

	private final WorkerRestarts restarts;

	private final FirstStart firstStart;

	private final RollingRestartSteps rollingRestartSteps;

	private final WorkerScaling scaling;

	private final WorkerExits exits;

	private final WorkerReadiness readiness;

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private volatile Runnable wakeUp = () -> {
	};

	/**
	 * Create a new master.
	 * @param properties the validated {@code forker.*} properties
	 * @param processes starts, signals and reaps worker processes
	 * @param clock the clock
	 * @param listeners the listening sockets held for the workers
	 * @param maxWorkers the largest number of workers scaling may reach
	 * @param ports the ports the workers serve, the server port first
	 * @param masterPid the pid of the master
	 */
	public Master(ForkerProperties properties, WorkerProcesses processes, MasterClock clock, MasterListeners listeners,
			int maxWorkers, List<ServedPort> ports, long masterPid) {
		this.properties = properties;
		this.processes = processes;
		this.clock = clock;
		this.ports = List.copyOf(ports);
		this.port = ports.get(0).port();
		this.masterPid = masterPid;
		this.watchdog = new Watchdog(properties.getWorker());
		long startedNanos = clock.nanoTime();
		this.statusReport = new StatusReport(masterPid, mode(), ports, startedNanos, clock.instant());
		this.sessionProperties = properties.getSessions();
		this.upgrade = new InPlaceUpgrade(this.table, this::post, masterPid, properties.getUpgrade().getCheckTimeout(),
				clock);
		this.protocol = new ControlProtocol(this.table, this, clock, this.database);
		this.spawner = new WorkerSpawner(properties, processes, clock, this.table);
		this.retirement = new WorkerRetirement(properties, processes, clock, this.table, this.scheduler);
		this.shutdown = new Shutdown(properties, processes, clock, listeners, this.table, this.rollingRestart,
				this.scheduler);
		this.restarts = new WorkerRestarts(properties, clock, this.table, this.spawner, this.shutdown);
		this.firstStart = new FirstStart(properties, this.table, this.spawner, this.shutdown, this.port, startedNanos);
		this.rollingRestartSteps = new RollingRestartSteps(properties, this.table, this.rollingRestart, this.spawner,
				this.retirement, this.database);
		this.scaling = new WorkerScaling(this.table, this.rollingRestart, this.spawner, this.restarts, this.retirement,
				maxWorkers);
		this.exits = new WorkerExits(this.table, this.scheduler, this.database, this.rollingRestart, this.shutdown,
				this.firstStart, this.restarts);
		this.readiness = new WorkerReadiness(clock, this.table, this.rollingRestart, this.rollingRestartSteps,
				this.retirement, this.database, this.scheduler, this.firstStart);
	}

	/**
	 * Take over workers that were started for this master before it ran: the first start
	 * uses them instead of starting their slots' workers. Call before
	 * {@link #run(ControlServer)}.
	 * @param started the workers, by slot id from 1
	 */
	public void adopt(List<WorkerProcesses.Started> started) {
		this.spawner.adopt(started);
	}

	/**
	 * Take over the workers of the master this one replaced in place ({@code SIGUSR2}):
	 * they serve the previous version, and are replaced one at a time once they have all
	 * reconnected. Call before {@link #run(ControlServer)}.
	 * @param started the workers, by slot id from 1
	 */
	public void adoptFromReplacedMaster(List<WorkerProcesses.Started> started) {
		adopt(started);
		// They have served: a failure of one is no failed start of the application
		this.firstStart.markEverReady();
		this.upgrade.rollWhenReady(started.stream().map(WorkerProcesses.Started::workerId).sorted().toList());
	}

	/**
	 * Set how this master replaces itself in place.
	 * @param replacement the replacement
	 */
	public void replacement(MasterReplacement replacement) {
		this.upgrade.replacement(replacement);
	}

	/**
	 * Start the workers and run the loop on this thread until they are all stopped.
	 * @param control the control channel, served by this thread
	 * @return the exit code for the master: 0 after a requested stop, 1 when a start
	 * could not succeed or forker gave up
	 * @throws IOException if the control channel fails
	 */
	public int run(ControlServer control) throws IOException {
		this.wakeUp = control::wakeup;
		control.handler(this);
		this.sessions = SessionSweeper.of(control.directory().resolve(StateDirectory.LINK),
				this.sessionProperties.getMaxSessions(), this.sessionProperties.getMaxMemory().toBytes(),
				this.clock::instant);
		start();
		while (!isFinished()) {
			control.poll(millisUntilNextDeadline());
			runPending();
			tick();
		}
		logger.info("forker master (pid " + this.masterPid + ") stopped");
		return this.shutdown.exitCode();
	}

	/**
	 * Hand a task to the loop's thread. Safe to call from any thread.
	 * @param task the task
	 */
	public void post(Runnable task) {
		this.tasks.add(task);
		this.wakeUp.run();
	}

	/**
	 * Reap the workers that have exited: for the reaper, through {@link #post}.
	 */
	public void reap() {
		for (WorkerProcesses.Exit exit : this.processes.reapExited()) {
			this.exits.onExit(exit.pid(), exit.status());
		}
	}

	/**
	 * Act on a stop signal ({@code TERM} or {@code INT}), on the loop's thread.
	 * @param name the signal name
	 */
	public void onStopSignal(String name) {
		this.shutdown.onStopSignal(name);
	}

	/**
	 * Act on an operator signal ({@code HUP}, {@code TTIN} or {@code TTOU}), on the
	 * loop's thread.
	 * @param name the signal name
	 */
	public void onOperatorSignal(String name) {
		ControlMessage.CommandReply reply = switch (name) {
			case "HUP" -> execute(Command.ROLLING_RESTART, null, "SIGHUP");
			case "TTIN" -> execute(Command.SCALE, this.table.slotCount() + 1, "SIGTTIN");
			case "TTOU" -> execute(Command.SCALE, this.table.slotCount() - 1, "SIGTTOU");
			// It logs its outcome itself
			case "USR2" -> execute(Command.UPGRADE, null, "SIGUSR2");
			default -> new ControlMessage.CommandReply(0, false, "unexpected signal SIG" + name);
		};
		if (!reply.accepted()) {
			logger.warn("Ignored SIG" + name + ": " + reply.message());
		}
	}

	@Override
	public void onMessage(ControlLink link, ControlMessage message) {
		this.protocol.onMessage(link, message);
	}

	@Override
	public void onClosed(ControlLink link) {
		this.protocol.onClosed(link);
	}

	// The loop

	void start() {
		int workers = this.properties.determineWorkers();
		this.spawner.targetWorkers(workers);
		logger.info("forker master (pid " + this.masterPid + ") starting " + workers + " workers on port " + this.port
				+ otherPorts() + " (" + mode() + " mode)");
		this.upgrade.retainWorkers(workers);
		this.firstStart.begin(workers);
	}

	void runPending() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			try {
				task.run();
			}
			catch (Throwable ex) {
				logger.error("forker master: a task failed, the master goes on", ex);
			}
		}
	}

	void tick() {
		try {
			long now = this.clock.nanoTime();
			this.retirement.kill(this.watchdog.overdue(now, this.table.processes()));
			if (this.shutdown.stopping()) {
				this.upgrade.stopping();
				this.shutdown.checkStopDeadline(now);
				return;
			}
			for (Watchdog.Unresponsive late : this.watchdog.unresponsive(now, this.table.processes())) {
				this.retirement.dumpAndKill(late.process(), late.reason());
			}
			this.restarts.restartDue(now);
			this.rollingRestartSteps.advanceRollingRestart();
			this.upgrade.tick();
			SessionSweeper sessions = this.sessions;
			if (sessions != null) {
				sessions.sweep(now);
			}
		}
		catch (Throwable ex) {
			logger.error("forker master: checking the workers failed, the master goes on", ex);
		}
	}

	boolean isFinished() {
		return this.shutdown.stopping() && !this.table.hasProcesses();
	}

	int exitCode() {
		return this.shutdown.exitCode();
	}

	long millisUntilNextDeadline() {
		if (!this.tasks.isEmpty()) {
			return 0;
		}
		long now = this.clock.nanoTime();
		long next = now + TimeUnit.SECONDS.toNanos(1);
		if (this.shutdown.stopping()) {
			next = Math.min(next, this.shutdown.stopDeadlineNanos());
		}
		else {
			next = this.restarts.nextRestart(next);
		}
		for (WorkerProcess process : this.table.processes()) {
			if (process.killAtNanos() >= 0) {
				next = Math.min(next, process.killAtNanos());
			}
		}
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
	}

	// Events from the control protocol

	void onReady(WorkerProcess process) {
		this.readiness.onReady(process);
		this.upgrade.rollIfAllReady(this.rollingRestart, this.database);
	}

	void onReadyForNewMaster(WorkerProcess process) {
		this.upgrade.readyForNewMaster(process);
	}

	/**
	 * A heartbeat arrived.
	 * @return whether the master answers it
	 */
	boolean onHeartbeat(WorkerProcess process, String health, long requests) {
		if (process.state() == WorkerState.UNRESPONSIVE) {
			return false;
		}
		process.heartbeat(this.clock.nanoTime(), this.clock.instant(), health, requests);
		if (!this.shutdown.stopping()) {
			this.rollingRestartSteps.recycleIfDue(process, requests);
		}
		return true;
	}

	void onRoleReleased(WorkerProcess process, String role) {
		if (this.scheduler.released(process) && !this.shutdown.stopping()) {
			logger.info(
					LogText.capitalize(process.toString()) + " released the " + this.scheduler.displayName() + " role");
			this.scheduler.assign(this.table.processes());
		}
	}

	ControlMessage.HeartbeatAck summary() {
		return this.table.summary();
	}

	ForkerStatus status() {
		return this.statusReport.build(this.clock.nanoTime(), this.table, this.rollingRestart.describe(),
				StatusReport.roles(this.scheduler, this.database));
	}

	// Commands

	ControlMessage.CommandReply execute(Command command, @Nullable Integer workers, String origin) {
		if (this.shutdown.stopping()) {
			return new ControlMessage.CommandReply(0, false, "the master is stopping");
		}
		return switch (command) {
			case ROLLING_RESTART -> this.rollingRestartSteps.rollingRestart(origin);
			case SCALE -> this.scaling.scale(workers, origin);
			case UPGRADE -> {
				upgrade(origin, (outcome) -> {
				});
				yield new ControlMessage.CommandReply(0, true, "In-place upgrade (" + origin + ") begins");
			}
		};
	}

	/**
	 * Replace this master in place with the version on disk, keeping its workers, then
	 * replace them ({@code SIGUSR2}).
	 * @param origin what asked for it
	 * @param reply receives whether the new version passed its check, or why the master
	 * refused
	 */
	void upgrade(String origin, Consumer<ControlMessage.CommandReply> reply) {
		this.upgrade.request(origin, this.shutdown.stopping(), this.rollingRestart, reply);
	}

	private String otherPorts() {
		StringBuilder others = new StringBuilder();
		for (ServedPort served : this.ports.subList(1, this.ports.size())) {
			others.append(", ").append(served.property()).append(' ').append(served.port());
		}
		return others.toString();
	}

	private String mode() {
		return this.properties.getMode().name().toLowerCase(Locale.ROOT);
	}

}
