package dev.forker.boot.master;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
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
import dev.forker.boot.worker.WorkerEnvironment;
import dev.forker.boot.worker.WorkerSocketMode;

/**
 * The forker master. It starts the workers, reaps them, restarts those that exit
 * unexpectedly, and stops them all on {@code SIGTERM} or {@code SIGINT}.
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

	private final ForkerProperties properties;

	private final WorkerLaunch launch;

	private final PosixProcesses posix;

	private final RestartPolicy restartPolicy;

	private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

	private final Map<Integer, WorkerSlot> slots = new TreeMap<>();

	private final Map<Long, WorkerProcess> processes = new HashMap<>();

	private final SecureRandom random = new SecureRandom();

	private final long masterPid = ProcessHandle.current().pid();

	private final long startedNanos = System.nanoTime();

	private @Nullable ControlServer control;

	private boolean allReadyReported;

	private boolean stopping;

	private long stopDeadlineNanos;

	private boolean killed;

	private int exitCode;

	Master(ForkerProperties properties, WorkerLaunch launch, PosixProcesses posix) {
		this.properties = properties;
		this.launch = launch;
		this.posix = posix;
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
			int workers = this.properties.determineWorkers();
			logger.info("forker master (pid " + this.masterPid + ") starting " + workers + " workers on port "
					+ this.launch.port() + " (" + this.properties.getMode().name().toLowerCase(Locale.ROOT) + " mode)");
			for (int id = 1; id <= workers; id++) {
				WorkerSlot slot = new WorkerSlot(id);
				this.slots.put(id, slot);
				if (!start(slot)) {
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

	private boolean start(WorkerSlot slot) {
		slot.cancelRestart();
		String token = HexFormat.of().formatHex(this.random.generateSeed(16));
		WorkerEnvironment environment = new WorkerEnvironment(slot.id(), this.masterPid, control().socketPath(), token,
				this.launch.port(), this.launch.socketMode());
		long now = System.nanoTime();
		long pid;
		try {
			pid = this.posix.spawn(this.launch.command(), this.launch.environment(environment), this.launch.stdinFd());
		}
		catch (IOException ex) {
			logger.error("Could not start worker " + slot.id() + " with " + this.launch.command(), ex);
			return false;
		}
		WorkerProcess process = new WorkerProcess(slot.id(), pid, token, now);
		slot.process(process);
		this.processes.put(pid, process);
		this.posix.reapWhenDone(pid, (status) -> post(() -> onExit(pid, status)));
		logger.info("Started " + process);
		return true;
	}

	private void onExit(long pid, ExitStatus status) {
		WorkerProcess process = this.processes.remove(pid);
		if (process == null) {
			return;
		}
		ControlConnection link = process.link();
		if (link != null) {
			control().close(link);
		}
		WorkerSlot slot = this.slots.get(process.id());
		if (slot != null && slot.process() == process) {
			slot.process(null);
			slot.lastExit(status);
		}
		if (this.stopping || process.stopping()) {
			logger.info("Stopped " + process + ": " + status);
			return;
		}
		String failure = describeFailure(process, status);
		logger.warn(failure);
		if (slot == null) {
			return;
		}
		long now = System.nanoTime();
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
		failure.append(capitalize(process.toString())).append(" exited unexpectedly with ").append(status);
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

	private void beginStop(String reason) {
		if (this.stopping) {
			return;
		}
		this.stopping = true;
		this.stopDeadlineNanos = System.nanoTime() + this.properties.getShutdownTimeout().toNanos();
		this.slots.values().forEach(WorkerSlot::cancelRestart);
		for (WorkerProcess process : this.processes.values()) {
			process.state(WorkerState.STOPPING);
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
		for (WorkerSlot slot : this.slots.values()) {
			if (slot.restartPending() && now - slot.restartAtNanos() >= 0) {
				if (!start(slot)) {
					ExitStatus failed = new ExitStatus(-1, 0);
					slot.lastExit(failed);
					if (!this.restartPolicy.tryRecordRestart(now)) {
						giveUp("worker " + slot.id() + " could not be started");
						return;
					}
					slot.consecutiveFailures(slot.consecutiveFailures() + 1);
					slot.scheduleRestart(now + this.restartPolicy.backoff(slot.consecutiveFailures()).toNanos());
				}
			}
		}
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
		}
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
	}

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
		if (process.stopping()) {
			return;
		}
		long now = System.nanoTime();
		process.ready(now);
		WorkerSlot slot = this.slots.get(process.id());
		if (slot != null) {
			slot.consecutiveFailures(0);
		}
		logger.info(capitalize(process.toString()) + " is ready after "
				+ format(Duration.ofNanos(now - process.startedNanos())));
		if (!this.allReadyReported && readyWorkers() == this.slots.size()) {
			this.allReadyReported = true;
			logger.info("All " + this.slots.size() + " workers are ready on port " + this.launch.port() + ", "
					+ format(Duration.ofNanos(now - this.startedNanos)) + " after the master started");
		}
	}

	private long readyWorkers() {
		return this.processes.values().stream().filter((process) -> process.state() == WorkerState.READY).count();
	}

	@Override
	public void onClosed(ControlConnection connection) {
		WorkerProcess process = connection.worker();
		if (process != null && process.link() == connection) {
			process.link(null);
		}
	}

	/**
	 * Creates a master for a launch.
	 */
	@FunctionalInterface
	interface Factory {

		Master create(WorkerLaunch launch);

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

}
