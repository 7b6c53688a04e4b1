package dev.forker.boot.master;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.util.backoff.BackOffExecution;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ControlMessage.Command;
import dev.forker.boot.control.ControlServer;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerState;
import dev.forker.boot.diagnostics.Durations;
import dev.forker.boot.master.WorkerProcess.StartupFailure;
import dev.forker.boot.posix.ExitStatus;

/**
 * The forker master: a small event loop that owns the state of every worker. It starts
 * the workers, restarts those that exit unexpectedly, replaces them one at a time on
 * request, changes their number, and stops them all on {@code SIGTERM} or {@code SIGINT}.
 * Its collaborators do one job each: {@link WorkerTable} holds the state,
 * {@link WorkerProcesses} starts, signals and reaps processes, {@link RestartPolicy}
 * decides delays and the budget, {@link RollingRestart} tracks a rolling restart,
 * {@link Watchdog} finds late workers, {@link RoleHolder} gives the scheduler role to one
 * worker at a time, {@link DatabaseInitialization} lets one worker initialize the
 * database first, {@link Broadcasts} relays what one worker tells every other,
 * {@link ControlProtocol} turns messages into events and {@link StatusReport} describes
 * it all.
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

	static final long KILL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

	static final long THREAD_DUMP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

	/**
	 * Time a worker that never was ready gets to stop before it is killed: it has no
	 * request to finish.
	 */
	static final long UNREADY_STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

	private final ForkerProperties properties;

	private final WorkerProcesses processes;

	private final MasterClock clock;

	private final MasterListeners listeners;

	private final int maxWorkers;

	private final int port;

	private final List<ServedPort> ports;

	private final long masterPid;

	private final WorkerTable table = new WorkerTable();

	private final RestartPolicy restartPolicy;

	private final RollingRestart rollingRestart = new RollingRestart();

	private final Watchdog watchdog;

	private final StatusReport statusReport;

	private final ControlProtocol protocol;

	private final RoleHolder scheduler = new RoleHolder("SCHEDULER",
			"runs the scheduled jobs that run once per application");

	private final DatabaseInitialization database = new DatabaseInitialization();

	private final SessionStore sessions;

	private long nextSessionSweepNanos;

	private final Broadcasts broadcasts = new Broadcasts();

	private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

	private final SecureRandom random = new SecureRandom();

	private final Map<Integer, WorkerProcesses.Started> adoptable = new HashMap<>();

	private final InPlaceUpgrade upgrade;

	private List<Integer> rollWhenReady = List.of();

	private final long startedNanos;

	private volatile Runnable wakeUp = () -> {
	};

	private int targetWorkers;

	private boolean everReady;

	private boolean stopping;

	private long stopDeadlineNanos;

	private boolean killed;

	private int exitCode;

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
		this.listeners = listeners;
		this.maxWorkers = maxWorkers;
		this.ports = List.copyOf(ports);
		this.port = ports.get(0).port();
		this.masterPid = masterPid;
		this.restartPolicy = new RestartPolicy(properties.getRestart());
		this.watchdog = new Watchdog(properties.getWorker());
		this.startedNanos = clock.nanoTime();
		this.statusReport = new StatusReport(masterPid, mode(), ports, this.startedNanos, clock.instant());
		this.protocol = new ControlProtocol(this.table, this);
		this.upgrade = new InPlaceUpgrade(this.table, this::post, masterPid);
		ForkerProperties.Sessions sessions = properties.getSessions();
		this.sessions = new SessionStore(sessions.getMaxSessions(), sessions.getMaxMemory().toBytes());
	}

	/**
	 * Take over workers that were started for this master before it ran: the first start
	 * uses them instead of starting their slots' workers. Call before
	 * {@link #run(ControlServer)}.
	 * @param started the workers, by slot id from 1
	 */
	public void adopt(List<WorkerProcesses.Started> started) {
		for (WorkerProcesses.Started worker : started) {
			this.adoptable.put(worker.workerId(), worker);
		}
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
		this.everReady = true;
		this.rollWhenReady = started.stream().map(WorkerProcesses.Started::workerId).sorted().toList();
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
		start();
		while (!isFinished()) {
			control.poll(millisUntilNextDeadline());
			runPending();
			tick();
		}
		logger.info("forker master (pid " + this.masterPid + ") stopped");
		return this.exitCode;
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
			onExit(exit.pid(), exit.status());
		}
	}

	/**
	 * Act on a stop signal ({@code TERM} or {@code INT}), on the loop's thread.
	 * @param name the signal name
	 */
	public void onStopSignal(String name) {
		if (!this.stopping) {
			logger.info("Received SIG" + name + ": stopping " + this.table.processCount() + " workers gracefully");
			beginStop("SIG" + name);
		}
		else if ("INT".equals(name) && !this.killed) {
			logger.warn("Received SIGINT again: killing " + this.table.processCount() + " workers now");
			killAll();
		}
		else {
			logger.info("Received SIG" + name + " while stopping: still waiting for " + this.table.processCount()
					+ " workers (SIGINT kills them now)");
		}
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
			case "USR2" -> {
				// It logs its outcome itself
				upgrade("SIGUSR2", (outcome) -> {
				});
				yield new ControlMessage.CommandReply(0, true, "in-place upgrade");
			}
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
		this.targetWorkers = workers;
		logger.info("forker master (pid " + this.masterPid + ") starting " + workers + " workers on port " + this.port
				+ otherPorts() + " (" + mode() + " mode)");
		for (int id = 1; id <= workers; id++) {
			this.table.addSlot(id).waitingToStart(true);
		}
		for (WorkerProcesses.Started extra : List.copyOf(this.adoptable.values())) {
			if (extra.workerId() > workers) {
				// Adopted from a replaced master with more workers than configured now
				this.adoptable.remove(extra.workerId());
				logger.info("Stopping worker " + extra.workerId() + " (pid " + extra.pid() + "): forker.workers is "
						+ workers + " now");
				this.processes.signalGroup(extra.pid(), ProcessSignal.TERM);
			}
		}
		this.rollWhenReady = this.rollWhenReady.stream().filter((id) -> id <= workers).toList();
		// Adopted workers run already, and may introduce themselves at once
		for (WorkerSlot slot : this.table.slots()) {
			if (this.adoptable.containsKey(slot.id())) {
				slot.waitingToStart(false);
				start(slot, false);
			}
		}
		startWaiting();
	}

	/**
	 * Start the workers of the first start that wait for their turn: at most
	 * {@code forker.worker.start-concurrency} start at once, the next as soon as one is
	 * ready.
	 */
	private void startWaiting() {
		int limit = this.properties.getWorker().determineStartConcurrency();
		int starting = (int) this.table.processes()
			.stream()
			.filter((process) -> process.state() == WorkerState.STARTING)
			.count();
		for (WorkerSlot slot : this.table.slots()) {
			if (this.stopping || starting >= limit) {
				return;
			}
			if (slot.waitingToStart()) {
				slot.waitingToStart(false);
				if (start(slot, false) == null) {
					this.exitCode = 1;
					beginStop("worker " + slot.id() + " could not be started");
					return;
				}
				starting++;
			}
		}
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
			this.broadcasts.tick(now);
			for (WorkerProcess process : this.watchdog.overdue(now, this.table.processes())) {
				process.killAt(-1);
				if (process.retiring()) {
					logger.warn("Killing " + process + ": it " + process.killReason());
				}
				this.processes.signalGroup(process.pid(), ProcessSignal.KILL);
			}
			if (this.stopping) {
				checkStopDeadline(now);
				return;
			}
			for (Watchdog.Unresponsive late : this.watchdog.unresponsive(now, this.table.processes())) {
				dumpAndKill(late.process(), late.reason());
			}
			restartDue(now);
			advanceRollingRestart();
			this.upgrade.tick();
			if (now - this.nextSessionSweepNanos >= 0) {
				this.nextSessionSweepNanos = now + TimeUnit.SECONDS.toNanos(1);
				this.sessions.removeExpired(now);
			}
		}
		catch (Throwable ex) {
			logger.error("forker master: checking the workers failed, the master goes on", ex);
		}
	}

	boolean isFinished() {
		return this.stopping && !this.table.hasProcesses();
	}

	int exitCode() {
		return this.exitCode;
	}

	long millisUntilNextDeadline() {
		if (!this.tasks.isEmpty()) {
			return 0;
		}
		long now = this.clock.nanoTime();
		long next = now + TimeUnit.SECONDS.toNanos(1);
		if (this.stopping) {
			next = Math.min(next, this.stopDeadlineNanos);
		}
		else {
			for (WorkerSlot slot : this.table.slots()) {
				if (slot.restartPending()) {
					next = Math.min(next, slot.restartAtNanos());
				}
			}
		}
		for (WorkerProcess process : this.table.processes()) {
			if (process.killAtNanos() >= 0) {
				next = Math.min(next, process.killAtNanos());
			}
		}
		next = this.broadcasts.nextDeadline(next);
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
	}

	// Starting and stopping processes

	private @Nullable WorkerProcess start(WorkerSlot slot, boolean asReplacement) {
		slot.cancelRestart();
		WorkerProcess process;
		WorkerProcesses.Started adopted = this.adoptable.remove(slot.id());
		if (adopted != null && !asReplacement) {
			// Started by the application's JVM: its startup deadline counts from its
			// start
			long age = Math.max(0, Duration.between(adopted.startedAt(), this.clock.instant()).toNanos());
			process = new WorkerProcess(slot.id(), adopted.pid(), adopted.token(), this.clock.nanoTime() - age,
					adopted.startedAt(), recycleAfterRequests());
		}
		else {
			String token = WorkerProcesses.newToken();
			long pid;
			try {
				pid = this.processes.start(slot.id(), token, this.targetWorkers);
			}
			catch (IOException | RuntimeException ex) {
				logger.error("Could not start worker " + slot.id() + ": " + ex.getMessage());
				return null;
			}
			process = new WorkerProcess(slot.id(), pid, token, this.clock.nanoTime(), this.clock.instant(),
					recycleAfterRequests());
		}
		WorkerProcess replaced = slot.current();
		if (asReplacement) {
			slot.replacement(process);
		}
		else {
			slot.current(process);
		}
		this.table.add(process);
		logger.info("Started " + process + (asReplacement ? " to replace " + replaced : ""));
		return process;
	}

	private long recycleAfterRequests() {
		ForkerProperties.Worker worker = this.properties.getWorker();
		if (worker.getMaxRequests() <= 0) {
			return 0;
		}
		long jitter = worker.getMaxRequestsJitter();
		return worker.getMaxRequests() + ((jitter > 0) ? this.random.nextLong(jitter + 1) : 0);
	}

	private void retire(WorkerProcess process) {
		if (process.retiring()) {
			return;
		}
		boolean wasReady = process.state() == WorkerState.READY;
		process.retire();
		this.scheduler.revoke(process);
		if (wasReady) {
			broadcastSummary();
		}
		process.killAt(this.clock.nanoTime() + this.properties.getShutdownTimeout().toNanos());
		process.killReason(
				"it did not stop within forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout()));
		this.processes.signalGroup(process.pid(), ProcessSignal.TERM);
	}

	private void dumpAndKill(WorkerProcess process, String reason) {
		logger.warn(
				capitalize(process.toString()) + " " + reason + ": requesting a thread dump (SIGQUIT) and killing it");
		boolean wasReady = process.state() == WorkerState.READY;
		process.state(WorkerState.UNRESPONSIVE);
		// It may still run its jobs: nobody else gets the role until it is gone
		this.scheduler.revoke(process);
		if (wasReady) {
			broadcastSummary();
		}
		process.killReason(reason);
		process.killAt(this.clock.nanoTime() + THREAD_DUMP_GRACE_NANOS);
		this.processes.signal(process.pid(), ProcessSignal.QUIT);
		// A stopped (SIGSTOP) JVM writes its thread dump once it runs again
		this.processes.signalGroup(process.pid(), ProcessSignal.CONT);
	}

	// Exits

	private void onExit(long pid, ExitStatus status) {
		WorkerProcess process = this.table.remove(pid);
		if (process == null) {
			return;
		}
		this.scheduler.exited(process);
		this.database.exited(process);
		this.broadcasts.gone(process);
		try {
			onExit(process, status);
		}
		finally {
			if (!this.stopping) {
				// After the exit is reported: another worker takes the role over
				this.scheduler.assign(this.table.processes());
			}
		}
	}

	private void onExit(WorkerProcess process, ExitStatus status) {
		if (process.state() == WorkerState.READY && !this.stopping) {
			broadcastSummary();
		}
		WorkerSlot slot = this.table.slot(process.id());
		if (slot != null) {
			slot.lastExit(status);
		}
		if (process == this.rollingRestart.retiring()) {
			logger.info("Stopped " + process + ": " + status);
			this.rollingRestart.finishStep(process.id());
			return;
		}
		if (this.stopping || process.retiring()) {
			logger.info("Stopped " + process + ": " + status);
			return;
		}
		String failure = describeFailure(process, status);
		if (!process.wasReady() && !this.everReady) {
			failStart(process, failure);
			return;
		}
		logger.warn(failure);
		if (slot == null) {
			return;
		}
		if (slot.replacement() == process) {
			slot.replacement(null);
			logger.error("Rolling restart stopped: the replacement of worker " + slot.id() + " failed; "
					+ slot.current() + " keeps serving");
			this.rollingRestart.abort();
			if (!this.restartPolicy.tryRecordRestart(this.clock.nanoTime())) {
				giveUp(failure);
			}
			return;
		}
		if (slot.current() != process) {
			return;
		}
		if (!this.restartPolicy.tryRecordRestart(this.clock.nanoTime())) {
			giveUp(failure);
			return;
		}
		WorkerProcess replacement = slot.replacement();
		if (replacement != null) {
			// Its rolling-restart replacement is starting already: it takes over
			slot.current(replacement);
			slot.replacement(null);
			slot.countRestart();
			logger.info(capitalize(replacement.toString()) + ", started as its replacement, takes over worker "
					+ slot.id());
			return;
		}
		slot.current(null);
		scheduleRestart(slot);
	}

	private void scheduleRestart(WorkerSlot slot) {
		BackOffExecution failures = slot.failures();
		if (failures == null) {
			failures = this.restartPolicy.startBackOff();
			slot.failures(failures);
		}
		Duration delay = RestartPolicy.nextDelay(failures);
		slot.scheduleRestart(this.clock.nanoTime() + delay.toNanos());
		logger.info("Restarting worker " + slot.id() + " in " + format(delay));
	}

	private void restartDue(long now) {
		for (WorkerSlot slot : this.table.slots()) {
			if (slot.restartPending() && now - slot.restartAtNanos() >= 0 && start(slot, false) == null) {
				retryStart(slot);
				if (this.stopping) {
					return;
				}
			}
		}
	}

	/**
	 * A worker could not be started: try again later, within the restart budget.
	 */
	private void retryStart(WorkerSlot slot) {
		if (!this.restartPolicy.tryRecordRestart(this.clock.nanoTime())) {
			giveUp("worker " + slot.id() + " could not be started");
			return;
		}
		scheduleRestart(slot);
	}

	/**
	 * A worker failed before the application was ever ready: the start cannot succeed,
	 * and restarting would only repeat the failure. Stop, report once, exit non-zero.
	 */
	private void failStart(WorkerProcess process, String failure) {
		StartupFailure startupFailure = process.startupFailure();
		StringBuilder message = new StringBuilder(failure);
		message.append(". No worker has been ready yet, so the application cannot start: forker stops.");
		if (startupFailure != null && startupFailure.description() != null) {
			message.append(String.format("%n%n***************************%nAPPLICATION FAILED TO START%n"
					+ "***************************%n%nDescription:%n%n%s%n", startupFailure.description()));
			if (startupFailure.action() != null) {
				message.append(String.format("%nAction:%n%n%s%n", startupFailure.action()));
			}
		}
		logger.error(message);
		this.exitCode = 1;
		beginStop(process + " failed to start");
	}

	private String describeFailure(WorkerProcess process, ExitStatus status) {
		StringBuilder failure = new StringBuilder();
		failure.append(capitalize(process.toString()));
		String killReason = process.killReason();
		if (killReason != null) {
			failure.append(" was killed by the master (").append(status).append(") because it ").append(killReason);
		}
		else {
			failure.append(" exited unexpectedly with ").append(status);
		}
		if (!process.wasReady()) {
			failure.append(" before it was ready");
		}
		StartupFailure startupFailure = process.startupFailure();
		if (startupFailure != null) {
			failure.append(": ").append(startupFailure.reason());
		}
		return failure.toString();
	}

	private void giveUp(String lastFailure) {
		ForkerProperties.Restart restart = this.properties.getRestart();
		logger.error("forker gives up: more than forker.restart.max-restarts=" + restart.getMaxRestarts()
				+ " worker restarts within forker.restart.window=" + format(restart.getWindow()) + ". Last failure: "
				+ lastFailure + ". Stopping all workers; see the worker logs above for the cause.");
		this.exitCode = 1;
		beginStop("forker gave up");
	}

	// Stopping

	private void beginStop(String reason) {
		if (this.stopping) {
			return;
		}
		this.stopping = true;
		this.rollingRestart.abort();
		long now = this.clock.nanoTime();
		this.stopDeadlineNanos = now + this.properties.getShutdownTimeout().toNanos();
		this.table.slots().forEach(WorkerSlot::cancelRestart);
		try {
			this.listeners.stopAccepting();
		}
		catch (RuntimeException ex) {
			logger.warn("Could not stop accepting on the shared sockets: " + ex);
		}
		for (WorkerProcess process : this.table.processes()) {
			boolean wasReady = process.wasReady();
			process.retire();
			this.scheduler.revoke(process);
			if (!wasReady) {
				process.killAt(Math.min(this.stopDeadlineNanos, now + UNREADY_STOP_GRACE_NANOS));
			}
			this.processes.signalGroup(process.pid(), ProcessSignal.TERM);
		}
		if (this.table.hasProcesses()) {
			logger.info("Waiting up to forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout())
					+ " for " + this.table.processCount() + " workers to stop (" + reason + ")");
		}
	}

	private void killAll() {
		this.killed = true;
		this.stopDeadlineNanos = this.clock.nanoTime() + KILL_GRACE_NANOS;
		for (WorkerProcess process : this.table.processes()) {
			this.processes.signalGroup(process.pid(), ProcessSignal.KILL);
		}
	}

	private void checkStopDeadline(long now) {
		if (now - this.stopDeadlineNanos >= 0 && this.table.hasProcesses()) {
			if (!this.killed) {
				logger.warn("Killing " + describe(this.table.processes()) + ": not stopped within "
						+ "forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout()));
				killAll();
			}
			else {
				logger.error("Giving up on " + describe(this.table.processes()) + ": not gone after SIGKILL");
				for (WorkerProcess process : this.table.processes()) {
					this.table.remove(process.pid());
				}
			}
		}
	}

	// Rolling restart

	private void advanceRollingRestart() {
		while (!this.rollingRestart.idle() && !this.rollingRestart.inProgress()) {
			Integer id = this.rollingRestart.next();
			if (id == null) {
				return;
			}
			WorkerSlot slot = this.table.slot(id);
			WorkerProcess current = (slot != null) ? slot.current() : null;
			if (slot == null || current == null || current.state() != WorkerState.READY || slot.replacement() != null) {
				// Not serving (starting, or restarting after a failure): it runs the
				// application as it is now already
				logger.info("Rolling restart: worker " + id + " is not ready, not replacing it");
				this.rollingRestart.finishStep(id);
				continue;
			}
			if (start(slot, true) == null) {
				logger.error("Rolling restart stopped: the replacement of worker " + id + " could not be started");
				this.rollingRestart.abort();
			}
			return;
		}
	}

	private void onReplacementReady(WorkerSlot slot, WorkerProcess replacement) {
		WorkerProcess old = slot.current();
		slot.current(replacement);
		slot.replacement(null);
		if (old == null) {
			this.rollingRestart.finishStep(slot.id());
			return;
		}
		logger.info("Stopping " + old + ": " + replacement + " replaces it");
		if (this.rollingRestart.current() == slot.id()) {
			this.rollingRestart.retiring(old);
		}
		retire(old);
	}

	// Events from the control protocol

	void onReady(WorkerProcess process) {
		if (process.state() != WorkerState.STARTING) {
			return;
		}
		long now = this.clock.nanoTime();
		process.ready(now, this.clock.instant());
		logger.info(capitalize(process.toString()) + " is ready after "
				+ format(Duration.ofNanos(now - process.startedNanos())));
		WorkerSlot slot = this.table.slot(process.id());
		if (slot == null || (slot.current() != process && slot.replacement() != process)) {
			// Its slot was scaled away while it started
			retire(process);
			return;
		}
		slot.failures(null);
		if (slot.replacement() == process) {
			onReplacementReady(slot, process);
		}
		else if (this.rollingRestart.current() == slot.id() && this.rollingRestart.retiring() == null) {
			// A replacement that took over after the old process crashed
			this.rollingRestart.finishStep(slot.id());
		}
		broadcastSummary();
		// A worker that is ready has run its database initializers
		this.database.done(process, this.table.processes());
		this.scheduler.assign(this.table.processes());
		startWaiting();
		if (!this.rollWhenReady.isEmpty() && this.table.readyCount() >= this.table.slotCount()
				&& this.rollingRestart.idle()) {
			this.rollingRestart.begin(this.rollWhenReady, "in-place upgrade");
			this.database.newDeployment();
			logger.info("In-place upgrade: all " + this.table.slotCount() + " workers are ready; replacing the "
					+ this.rollWhenReady.size() + " of the previous version one at a time");
			this.rollWhenReady = List.of();
		}
		if (!this.everReady && this.table.readyCount() >= this.table.slotCount()) {
			this.everReady = true;
			logger.info("All " + this.table.slotCount() + " workers are ready on port " + this.port + ", "
					+ format(Duration.ofNanos(now - this.startedNanos)) + " after the master started");
		}
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
		long limit = process.recycleAfterRequests();
		WorkerSlot slot = this.table.slot(process.id());
		if (limit > 0 && requests >= limit && slot != null && slot.current() == process
				&& process.state() == WorkerState.READY && !this.rollingRestart.isQueued(process.id())
				&& !this.stopping) {
			logger
				.info(capitalize(process.toString()) + " handled " + requests + " requests (forker.worker.max-requests="
						+ this.properties.getWorker().getMaxRequests() + " plus jitter): replacing it");
			this.rollingRestart.begin(List.of(process.id()), "max-requests");
		}
		return true;
	}

	ControlMessage.DatabaseTurnReply databaseTurn(WorkerProcess process, long requestId) {
		return this.database.turn(process, requestId);
	}

	void onDatabaseInitialized(WorkerProcess process) {
		this.database.done(process, this.table.processes());
	}

	void onRoleReleased(WorkerProcess process, String role) {
		if (this.scheduler.released(process) && !this.stopping) {
			logger.info(capitalize(process.toString()) + " released the " + this.scheduler.displayName() + " role");
			this.scheduler.assign(this.table.processes());
		}
	}

	ControlMessage.SessionReply onSessionRequest(ControlMessage.SessionRequest request) {
		long now = this.clock.nanoTime();
		byte[] data = null;
		switch (request.operation()) {
			case LOAD -> data = this.sessions.load(request.id(), now);
			case SAVE -> {
				byte[] session = request.data();
				if (session != null) {
					long maxInactive = request.maxInactiveSeconds();
					this.sessions.save(request.id(), request.originalId(), session,
							(maxInactive >= 0) ? TimeUnit.SECONDS.toNanos(maxInactive) : -1, now);
				}
			}
			case DELETE -> this.sessions.delete(request.id());
		}
		return new ControlMessage.SessionReply(request.requestId(), data);
	}

	SessionStore sessions() {
		return this.sessions;
	}

	void onBroadcast(WorkerProcess process, ControlMessage.Broadcast broadcast) {
		this.broadcasts.broadcast(process, broadcast, this.table.processes(), this.clock.nanoTime());
	}

	void onDeliveryAck(WorkerProcess process, long deliveryId) {
		this.broadcasts.acknowledged(process, deliveryId);
	}

	void onLinkClosed(WorkerProcess process) {
		this.broadcasts.gone(process);
	}

	int pendingBroadcasts() {
		return this.broadcasts.pendingCount();
	}

	ControlMessage.HeartbeatAck summary() {
		return new ControlMessage.HeartbeatAck(this.table.slotCount(), this.table.readyCount());
	}

	/**
	 * Tell every worker the new numbers at once, rather than in the answer to its next
	 * heartbeat, so that their health follows without delay.
	 */
	private void broadcastSummary() {
		ControlMessage.HeartbeatAck summary = summary();
		for (ControlLink link : this.table.links()) {
			link.send(summary);
		}
	}

	ForkerStatus status() {
		return this.statusReport.build(this.clock.nanoTime(), this.table, this.rollingRestart.describe(), roles());
	}

	private Map<Long, List<String>> roles() {
		Map<Long, List<String>> roles = new HashMap<>();
		WorkerProcess scheduler = this.scheduler.holder();
		if (scheduler != null) {
			roles.computeIfAbsent(scheduler.pid(), (pid) -> new ArrayList<>()).add(this.scheduler.displayName());
		}
		WorkerProcess initializer = this.database.initializer();
		if (initializer != null) {
			roles.computeIfAbsent(initializer.pid(), (pid) -> new ArrayList<>()).add("database-initializer");
		}
		return roles;
	}

	// Commands

	ControlMessage.CommandReply execute(Command command, @Nullable Integer workers, String origin) {
		if (this.stopping) {
			return new ControlMessage.CommandReply(0, false, "the master is stopping");
		}
		return switch (command) {
			case ROLLING_RESTART -> rollingRestart(origin);
			case SCALE -> scale(workers, origin);
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
		String refusal = null;
		if (this.stopping) {
			refusal = "the master is stopping";
		}
		else if (!this.rollingRestart.idle()) {
			refusal = "a rolling restart is in progress: " + this.rollingRestart.describe();
		}
		else if (this.table.readyCount() < this.table.slotCount()
				|| this.table.processCount() != this.table.slotCount()) {
			refusal = "not every worker is ready (" + this.table.readyCount() + " of " + this.table.slotCount()
					+ " ready, " + this.table.processCount() + " processes): try again once they are";
		}
		this.upgrade.begin(origin, refusal, reply);
	}

	void onReadyForNewMaster(WorkerProcess process) {
		this.upgrade.readyForNewMaster(process);
	}

	private ControlMessage.CommandReply rollingRestart(String origin) {
		if (!this.rollingRestart.idle()) {
			return new ControlMessage.CommandReply(0, false,
					"a rolling restart is in progress: " + this.rollingRestart.describe());
		}
		this.rollingRestart.begin(this.table.slotIds(), origin);
		// A new version: its first worker initializes the database, as one JVM would
		this.database.newDeployment();
		String message = "Rolling restart of " + this.table.slotCount() + " workers (" + origin
				+ "): one at a time, each stopped once its replacement is ready";
		logger.info(message);
		return new ControlMessage.CommandReply(0, true, message);
	}

	private ControlMessage.CommandReply scale(@Nullable Integer workers, String origin) {
		int current = this.table.slotCount();
		if (workers == null || workers < 1 || workers > this.maxWorkers) {
			return new ControlMessage.CommandReply(0, false, "the number of workers must be from 1 to "
					+ this.maxWorkers + " (requested " + workers + ", running " + current + ")");
		}
		StringBuilder message = new StringBuilder(
				"Scaling from " + current + " to " + workers + " workers (" + origin + ")");
		logger.info(message);
		this.targetWorkers = workers;
		for (int id = current + 1; id <= workers; id++) {
			WorkerSlot slot = this.table.addSlot(id);
			if (start(slot, false) == null) {
				message.append("; worker ").append(id).append(" could not be started and is retried");
				retryStart(slot);
			}
		}
		for (int id = current; id > workers; id--) {
			WorkerSlot slot = this.table.removeSlot(id);
			this.rollingRestart.remove(id);
			if (slot != null) {
				for (WorkerProcess process : new WorkerProcess[] { slot.current(), slot.replacement() }) {
					if (process != null) {
						retire(process);
					}
				}
			}
		}
		return new ControlMessage.CommandReply(0, true, message.toString());
	}

	/**
	 * Return the worker processes by state, for tests.
	 * @return the number of processes by state
	 */
	Map<WorkerState, Integer> processesByState() {
		Map<WorkerState, Integer> counts = new LinkedHashMap<>();
		this.table.processes().forEach((process) -> counts.merge(process.state(), 1, Integer::sum));
		return counts;
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

	private static String describe(List<WorkerProcess> processes) {
		List<String> names = new ArrayList<>();
		processes.forEach((process) -> names.add(process.toString()));
		return String.join(", ", names);
	}

	private static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

	private static String format(Duration duration) {
		return Durations.format(duration);
	}

}
