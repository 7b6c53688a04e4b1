package dev.forker.boot.master;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jnr.constants.platform.Signal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ControlMessage.Command;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.worker.WorkerEnvironment;

/**
 * The forker master. It starts the workers, watches their heartbeats, reaps them,
 * restarts those that exit unexpectedly, replaces them one at a time on request, changes
 * their number, and stops them all on {@code SIGTERM} or {@code SIGINT}.
 * <p>
 * All of its state lives on one thread, the one that calls {@link #run()}: reaper and
 * signal threads only post tasks to it, and the control socket is served by the same
 * thread with a selector. The master also spawns workers from that thread, which keeps
 * the list of file descriptors that a new worker must not inherit exact.
 *
 * @since 0.1.0
 */
public final class Master implements ControlServer.Handler {

	private static final Log logger = LogFactory.getLog(Master.class);

	private static final long KILL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final long THREAD_DUMP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

	private final ForkerProperties properties;

	private final WorkerLaunch launch;

	private final PosixProcesses posix;

	private final RestartPolicy restartPolicy;

	private final RollingRestart rollingRestart = new RollingRestart();

	private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

	private final Map<Integer, WorkerSlot> slots = new TreeMap<>();

	private final Map<Long, WorkerProcess> processes = new HashMap<>();

	private final SecureRandom random = new SecureRandom();

	private final long masterPid = ProcessHandle.current().pid();

	private final long startedNanos = System.nanoTime();

	private final Instant startedAt = Instant.now();

	private final int maxWorkers;

	private @Nullable ControlServer control;

	private int targetWorkers;

	private boolean allReadyReported;

	private boolean stopping;

	private long stopDeadlineNanos;

	private boolean killed;

	private int exitCode;

	Master(ForkerProperties properties, WorkerLaunch launch, PosixProcesses posix, int maxWorkers) {
		this.properties = properties;
		this.launch = launch;
		this.posix = posix;
		this.maxWorkers = maxWorkers;
		this.restartPolicy = new RestartPolicy(properties.getRestart());
	}

	/**
	 * Start the workers and supervise them until they are all stopped.
	 * @return the exit code for the master: 0 after a requested stop, 1 when forker gave
	 * up
	 * @throws IOException if the control socket cannot be served
	 */
	public int run() throws IOException {
		try (ControlServer control = ControlServer.open(this)) {
			this.control = control;
			MasterSignals.install((name) -> post(() -> onStopSignal(name)), "TERM", "INT");
			MasterSignals.install((name) -> post(() -> onOperatorSignal(name)), "HUP", "TTIN", "TTOU");
			int workers = this.properties.determineWorkers();
			this.targetWorkers = workers;
			logger.info("forker master (pid " + this.masterPid + ") starting " + workers + " workers on port "
					+ this.launch.port() + " (" + mode() + " mode)");
			for (int id = 1; id <= workers; id++) {
				WorkerSlot slot = new WorkerSlot(id);
				this.slots.put(id, slot);
				if (start(slot, false) == null) {
					this.exitCode = 1;
					beginStop("a worker could not be started");
					break;
				}
			}
			while (!(this.stopping && this.processes.isEmpty())) {
				control.poll(millisUntilNextDeadline());
				runTasks();
				runTimers(System.nanoTime());
			}
			logger.info("forker master (pid " + this.masterPid + ") stopped");
			return this.exitCode;
		}
	}

	private String mode() {
		return this.properties.getMode().name().toLowerCase(Locale.ROOT);
	}

	private void post(Runnable task) {
		this.tasks.add(task);
		ControlServer control = this.control;
		if (control != null) {
			control.wakeup();
		}
	}

	private void runTasks() {
		Runnable task;
		while ((task = this.tasks.poll()) != null) {
			task.run();
		}
	}

	// Starting and stopping processes

	private @Nullable WorkerProcess start(WorkerSlot slot, boolean asReplacement) {
		slot.cancelRestart();
		String token = HexFormat.of().formatHex(this.random.generateSeed(16));
		WorkerEnvironment environment = new WorkerEnvironment(slot.id(), this.masterPid, control().socketPath(), token,
				this.launch.port(), this.launch.socketMode(), this.properties.getWorker().getHeartbeatInterval());
		long now = System.nanoTime();
		List<String> command = this.launch.command(this.targetWorkers);
		long pid;
		try {
			pid = this.posix.spawn(command, this.launch.environment(environment), this.launch.stdinFd());
		}
		catch (IOException ex) {
			logger.error("Could not start worker " + slot.id() + " with " + command, ex);
			return null;
		}
		WorkerProcess process = new WorkerProcess(slot.id(), pid, token, now, recycleAfterRequests());
		if (asReplacement) {
			slot.replacement(process);
		}
		else {
			slot.current(process);
		}
		this.processes.put(pid, process);
		this.posix.reapWhenDone(pid, (status) -> post(() -> onExit(pid, status)));
		logger.info("Started " + process + (asReplacement ? " to replace " + slot.current() : ""));
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
		if (!process.retiring()) {
			boolean wasReady = process.state() == WorkerState.READY;
			process.retire();
			if (wasReady) {
				broadcastSummary();
			}
			process.killAt(System.nanoTime() + this.properties.getShutdownTimeout().toNanos());
			process.killReason(
					"it did not stop within forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout()));
			this.posix.signal(process.pid(), Signal.SIGTERM);
		}
	}

	private void dumpAndKill(WorkerProcess process, String reason) {
		logger.warn(
				capitalize(process.toString()) + " " + reason + ": requesting a thread dump (SIGQUIT) and killing it");
		process.state(WorkerState.UNRESPONSIVE);
		process.killReason(reason);
		process.killAt(System.nanoTime() + THREAD_DUMP_GRACE_NANOS);
		this.posix.signal(process.pid(), Signal.SIGQUIT);
		// A stopped (SIGSTOP) JVM writes its thread dump once it runs again
		this.posix.signal(process.pid(), Signal.SIGCONT);
	}

	// Exits

	private void onExit(long pid, ExitStatus status) {
		WorkerProcess process = this.processes.remove(pid);
		if (process == null) {
			return;
		}
		ControlConnection link = process.link();
		if (link != null) {
			control().close(link);
		}
		if (process.state() == WorkerState.READY && !this.stopping) {
			broadcastSummary();
		}
		WorkerSlot slot = this.slots.get(process.id());
		if (slot != null) {
			slot.lastExit(status);
		}
		if (process == this.rollingRestart.retiring()) {
			logger.info("Stopped " + process + ": " + status);
			this.rollingRestart.stepDone();
			return;
		}
		if (this.stopping || process.retiring()) {
			logger.info("Stopped " + process + ": " + status);
			return;
		}
		String failure = describeFailure(process, status);
		logger.warn(failure);
		if (slot == null) {
			return;
		}
		long now = System.nanoTime();
		if (slot.replacement() == process) {
			slot.replacement(null);
			logger.error("Rolling restart stopped: the replacement of worker " + slot.id() + " failed; "
					+ slot.current() + " keeps serving");
			this.rollingRestart.abort();
			if (!this.restartPolicy.tryRecordRestart(now)) {
				giveUp(failure);
			}
			return;
		}
		if (slot.current() != process) {
			return;
		}
		slot.current(null);
		if (!this.restartPolicy.tryRecordRestart(now)) {
			giveUp(failure);
			return;
		}
		slot.consecutiveFailures(process.wasReady() ? 1 : slot.consecutiveFailures() + 1);
		Duration delay = this.restartPolicy.backoff(slot.consecutiveFailures());
		slot.scheduleRestart(now + delay.toNanos());
		logger.info("Restarting worker " + slot.id() + " in " + format(delay));
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
		String reason = process.startupFailure();
		if (reason != null) {
			failure.append(": ").append(reason);
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

	// Signals and commands

	private void onStopSignal(String name) {
		if (!this.stopping) {
			logger.info("Received SIG" + name + ": stopping " + this.processes.size() + " workers gracefully");
			beginStop("SIG" + name);
		}
		else if ("INT".equals(name) && !this.killed) {
			logger.warn("Received SIGINT again: killing " + this.processes.size() + " workers now");
			killAll();
		}
		else {
			logger.info("Received SIG" + name + " while stopping: still waiting for " + this.processes.size()
					+ " workers (SIGINT kills them now)");
		}
	}

	private void onOperatorSignal(String name) {
		ControlMessage.CommandReply reply = switch (name) {
			case "HUP" -> execute(Command.ROLLING_RESTART, null, "SIGHUP");
			case "TTIN" -> execute(Command.SCALE, this.slots.size() + 1, "SIGTTIN");
			case "TTOU" -> execute(Command.SCALE, this.slots.size() - 1, "SIGTTOU");
			default -> new ControlMessage.CommandReply(0, false, "unexpected signal SIG" + name);
		};
		if (!reply.accepted()) {
			logger.warn("Ignored SIG" + name + ": " + reply.message());
		}
	}

	private ControlMessage.CommandReply execute(Command command, @Nullable Integer workers, String origin) {
		if (this.stopping) {
			return new ControlMessage.CommandReply(0, false, "the master is stopping");
		}
		return switch (command) {
			case ROLLING_RESTART -> rollingRestart(origin);
			case SCALE -> scale(workers, origin);
		};
	}

	private ControlMessage.CommandReply rollingRestart(String origin) {
		if (!this.rollingRestart.idle()) {
			return new ControlMessage.CommandReply(0, false,
					"a rolling restart is in progress: " + this.rollingRestart.describe());
		}
		this.rollingRestart.begin(this.slots.keySet(), origin);
		String message = "Rolling restart of " + this.slots.size() + " workers (" + origin
				+ "): one at a time, each stopped once its replacement is ready";
		logger.info(message);
		return new ControlMessage.CommandReply(0, true, message);
	}

	private ControlMessage.CommandReply scale(@Nullable Integer workers, String origin) {
		int current = this.slots.size();
		if (workers == null || workers < 1 || workers > this.maxWorkers) {
			return new ControlMessage.CommandReply(0, false, "the number of workers must be from 1 to "
					+ this.maxWorkers + " (requested " + workers + ", running " + current + ")");
		}
		String message = "Scaling from " + current + " to " + workers + " workers (" + origin + ")";
		logger.info(message);
		this.targetWorkers = workers;
		for (int id = current + 1; id <= workers; id++) {
			WorkerSlot slot = new WorkerSlot(id);
			this.slots.put(id, slot);
			start(slot, false);
		}
		for (int id = current; id > workers; id--) {
			WorkerSlot slot = this.slots.remove(id);
			this.rollingRestart.remove(id);
			if (this.rollingRestart.slotInProgress() == id) {
				this.rollingRestart.stepDone();
			}
			for (WorkerProcess process : new WorkerProcess[] { slot.current(), slot.replacement() }) {
				if (process != null) {
					retire(process);
				}
			}
		}
		return new ControlMessage.CommandReply(0, true, message);
	}

	private void beginStop(String reason) {
		if (this.stopping) {
			return;
		}
		this.stopping = true;
		this.rollingRestart.abort();
		this.stopDeadlineNanos = System.nanoTime() + this.properties.getShutdownTimeout().toNanos();
		this.slots.values().forEach(WorkerSlot::cancelRestart);
		for (WorkerProcess process : this.processes.values()) {
			process.retire();
			this.posix.signal(process.pid(), Signal.SIGTERM);
		}
		if (!this.processes.isEmpty()) {
			logger.info("Waiting up to forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout())
					+ " for " + this.processes.size() + " workers to stop (" + reason + ")");
		}
	}

	private void killAll() {
		this.killed = true;
		this.stopDeadlineNanos = System.nanoTime() + KILL_GRACE_NANOS;
		for (WorkerProcess process : this.processes.values()) {
			this.posix.signal(process.pid(), Signal.SIGKILL);
		}
	}

	// Timers

	private void runTimers(long now) {
		if (this.stopping) {
			if (now - this.stopDeadlineNanos >= 0 && !this.processes.isEmpty()) {
				if (!this.killed) {
					logger.warn("Killing " + describe(this.processes.values()) + ": not stopped within "
							+ "forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout()));
					killAll();
				}
				else {
					logger.error("Giving up on " + describe(this.processes.values()) + ": not gone after SIGKILL");
					this.processes.clear();
				}
			}
			return;
		}
		checkProcesses(now);
		for (WorkerSlot slot : List.copyOf(this.slots.values())) {
			if (slot.restartPending() && now - slot.restartAtNanos() >= 0 && start(slot, false) == null) {
				if (!this.restartPolicy.tryRecordRestart(now)) {
					giveUp("worker " + slot.id() + " could not be started");
					return;
				}
				slot.consecutiveFailures(slot.consecutiveFailures() + 1);
				slot.scheduleRestart(now + this.restartPolicy.backoff(slot.consecutiveFailures()).toNanos());
			}
		}
		advanceRollingRestart();
	}

	private void checkProcesses(long now) {
		ForkerProperties.Worker settings = this.properties.getWorker();
		for (WorkerProcess process : List.copyOf(this.processes.values())) {
			if (process.killAtNanos() >= 0) {
				if (now - process.killAtNanos() >= 0) {
					process.killAt(-1);
					this.posix.signal(process.pid(), Signal.SIGKILL);
					if (process.retiring()) {
						logger.warn("Killing " + process + ": it " + process.killReason());
					}
				}
			}
			else if (process.state() == WorkerState.STARTING
					&& now - process.startedNanos() > settings.getStartupTimeout().toNanos()) {
				dumpAndKill(process, "did not become ready within forker.worker.startup-timeout="
						+ format(settings.getStartupTimeout()));
			}
			else if (process.state() == WorkerState.READY
					&& now - process.lastHeartbeatNanos() > settings.getHeartbeatTimeout().toNanos()) {
				dumpAndKill(process,
						"sent no heartbeat for " + format(Duration.ofNanos(now - process.lastHeartbeatNanos()))
								+ " (forker.worker.heartbeat-timeout=" + format(settings.getHeartbeatTimeout()) + ")");
			}
		}
	}

	private void advanceRollingRestart() {
		while (!this.rollingRestart.idle() && !this.rollingRestart.inProgress()) {
			Integer id = this.rollingRestart.next();
			WorkerSlot slot = (id != null) ? this.slots.get(id) : null;
			WorkerProcess current = (slot != null) ? slot.current() : null;
			if (current == null || current.state() != WorkerState.READY) {
				// Not serving (starting, or restarting after a failure): it runs the
				// application as it is now already
				logger.info("Rolling restart: worker " + id + " is not ready, not replacing it");
				this.rollingRestart.stepDone();
				continue;
			}
			if (start(slot, true) == null) {
				logger
					.error("Rolling restart stopped: the replacement of worker " + slot.id() + " could not be started");
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
			this.rollingRestart.stepDone();
			return;
		}
		logger.info("Stopping " + old + ": " + replacement + " replaces it");
		this.rollingRestart.retiring(old);
		retire(old);
	}

	private long millisUntilNextDeadline() {
		if (!this.tasks.isEmpty()) {
			return 0;
		}
		long now = System.nanoTime();
		long next = now + TimeUnit.SECONDS.toNanos(1);
		if (this.stopping) {
			next = Math.min(next, this.stopDeadlineNanos);
		}
		else {
			for (WorkerSlot slot : this.slots.values()) {
				if (slot.restartPending()) {
					next = Math.min(next, slot.restartAtNanos());
				}
			}
			for (WorkerProcess process : this.processes.values()) {
				if (process.killAtNanos() >= 0) {
					next = Math.min(next, process.killAtNanos());
				}
			}
		}
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
	}

	// Control channel

	@Override
	public void onMessage(ControlConnection connection, ControlMessage message) {
		if (message instanceof ControlMessage.Hello hello) {
			introduce(connection, hello);
			return;
		}
		WorkerProcess process = connection.worker();
		if (process == null) {
			logger.warn("Closed an anonymous control connection that sent " + message + " before introducing itself");
			control().close(connection);
			return;
		}
		if (message instanceof ControlMessage.Ready) {
			onReady(process);
		}
		else if (message instanceof ControlMessage.StartupFailed failed) {
			process.startupFailure(failed.reason());
		}
		else if (message instanceof ControlMessage.Heartbeat heartbeat) {
			onHeartbeat(connection, process, heartbeat);
		}
		else if (message instanceof ControlMessage.StatusRequest request) {
			control().send(connection, new ControlMessage.StatusReply(request.requestId(), status()));
		}
		else if (message instanceof ControlMessage.CommandRequest request) {
			ControlMessage.CommandReply reply = execute(request.command(), request.workers(),
					"requested through worker " + process.id());
			control().send(connection,
					new ControlMessage.CommandReply(request.requestId(), reply.accepted(), reply.message()));
		}
		else {
			logger.warn("Ignored unexpected " + message + " from " + process);
		}
	}

	private void introduce(ControlConnection connection, ControlMessage.Hello hello) {
		WorkerProcess process = this.processes.get(hello.pid());
		if (connection.worker() != null || process == null || process.id() != hello.workerId()
				|| !process.token().equals(hello.token())) {
			logger.warn("Rejected a control connection that claimed to be worker " + hello.workerId() + " (pid "
					+ hello.pid() + ")");
			control().close(connection);
			return;
		}
		connection.worker(process);
		process.link(connection);
	}

	private void onReady(WorkerProcess process) {
		if (process.state() != WorkerState.STARTING) {
			return;
		}
		long now = System.nanoTime();
		process.ready(now);
		logger.info(capitalize(process.toString()) + " is ready after "
				+ format(Duration.ofNanos(now - process.startedNanos())));
		WorkerSlot slot = this.slots.get(process.id());
		if (slot != null) {
			slot.consecutiveFailures(0);
			if (slot.replacement() == process) {
				onReplacementReady(slot, process);
			}
		}
		broadcastSummary();
		if (!this.allReadyReported && readyWorkers() >= this.slots.size()) {
			this.allReadyReported = true;
			logger.info("All " + this.slots.size() + " workers are ready on port " + this.launch.port() + ", "
					+ format(Duration.ofNanos(now - this.startedNanos)) + " after the master started");
		}
	}

	private void onHeartbeat(ControlConnection connection, WorkerProcess process, ControlMessage.Heartbeat heartbeat) {
		if (process.state() == WorkerState.UNRESPONSIVE) {
			return;
		}
		process.heartbeat(System.nanoTime(), heartbeat.health(), heartbeat.requests());
		control().send(connection, new ControlMessage.HeartbeatAck(this.slots.size(), readyWorkers()));
		long limit = process.recycleAfterRequests();
		WorkerSlot slot = this.slots.get(process.id());
		if (limit > 0 && heartbeat.requests() >= limit && slot != null && slot.current() == process
				&& process.state() == WorkerState.READY && !this.rollingRestart.isQueued(process.id())
				&& !this.stopping) {
			logger.info(capitalize(process.toString()) + " handled " + heartbeat.requests()
					+ " requests (forker.worker.max-requests=" + this.properties.getWorker().getMaxRequests()
					+ " plus jitter): replacing it");
			this.rollingRestart.begin(List.of(process.id()), "max-requests");
		}
	}

	@Override
	public void onClosed(ControlConnection connection) {
		WorkerProcess process = connection.worker();
		if (process != null && process.link() == connection) {
			process.link(null);
		}
	}

	/**
	 * Tell every worker the new numbers at once, rather than in the answer to its next
	 * heartbeat, so that their health follows without delay.
	 */
	private void broadcastSummary() {
		ControlMessage.HeartbeatAck summary = new ControlMessage.HeartbeatAck(this.slots.size(), readyWorkers());
		for (WorkerProcess process : List.copyOf(this.processes.values())) {
			ControlConnection link = process.link();
			if (link != null) {
				control().send(link, summary);
			}
		}
	}

	private int readyWorkers() {
		return (int) this.processes.values().stream().filter((process) -> process.state() == WorkerState.READY).count();
	}

	ForkerStatus status() {
		long now = System.nanoTime();
		List<ForkerStatus.Worker> workers = new ArrayList<>();
		this.processes.values()
			.stream()
			.sorted(Comparator.comparingInt(WorkerProcess::id).thenComparingLong(WorkerProcess::startedNanos))
			.forEach((process) -> {
				WorkerSlot slot = this.slots.get(process.id());
				ExitStatus lastExit = (slot != null) ? slot.lastExit() : null;
				workers.add(new ForkerStatus.Worker(process.id(), process.pid(), process.state().displayName(),
						process.startedAt(), TimeUnit.NANOSECONDS.toSeconds(now - process.startedNanos()),
						(slot != null) ? slot.restarts() : 0, process.lastHeartbeatAt(), process.health(),
						process.requests(), (lastExit != null) ? lastExit.toString() : null));
			});
		ForkerStatus.Master master = new ForkerStatus.Master(this.masterPid, mode(), this.launch.port(), this.startedAt,
				TimeUnit.NANOSECONDS.toSeconds(now - this.startedNanos), this.slots.size(), readyWorkers(),
				this.rollingRestart.describe());
		return new ForkerStatus(master, workers);
	}

	private ControlServer control() {
		ControlServer control = this.control;
		if (control == null) {
			throw new IllegalStateException("Master is not running");
		}
		return control;
	}

	private static String describe(Iterable<WorkerProcess> processes) {
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

	/**
	 * Creates a master for a launch.
	 */
	@FunctionalInterface
	interface Factory {

		Master create(WorkerLaunch launch);

	}

}
