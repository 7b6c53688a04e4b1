package dev.forker.boot.master;

import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.ForkerProperties;

import static dev.forker.boot.master.LogText.describe;
import static dev.forker.boot.master.LogText.format;

/**
 * Stops every worker, once: the shared sockets stop accepting, each worker gets
 * {@code SIGTERM} and {@code forker.shutdown-timeout} to finish its requests (a worker
 * that never was ready gets less), then {@code SIGKILL}. Holds the exit code of the
 * master.
 *
 * @since 0.1.0
 */
final class Shutdown {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	static final long KILL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

	/**
	 * Time a worker that never was ready gets to stop before it is killed: it has no
	 * request to finish.
	 */
	static final long UNREADY_STOP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(5);

	private final ForkerProperties properties;

	private final WorkerProcesses processes;

	private final MasterClock clock;

	private final MasterListeners listeners;

	private final WorkerTable table;

	private final RollingRestart rollingRestart;

	private final RoleHolder scheduler;

	private boolean stopping;

	private long stopDeadlineNanos;

	private boolean killed;

	private int exitCode;

	Shutdown(ForkerProperties properties, WorkerProcesses processes, MasterClock clock, MasterListeners listeners,
			WorkerTable table, RollingRestart rollingRestart, RoleHolder scheduler) {
		this.properties = properties;
		this.processes = processes;
		this.clock = clock;
		this.listeners = listeners;
		this.table = table;
		this.rollingRestart = rollingRestart;
		this.scheduler = scheduler;
	}

	boolean stopping() {
		return this.stopping;
	}

	long stopDeadlineNanos() {
		return this.stopDeadlineNanos;
	}

	int exitCode() {
		return this.exitCode;
	}

	/**
	 * Act on a stop signal: the first stops gracefully, a second {@code SIGINT} kills.
	 * @param name the signal name
	 */
	void onStopSignal(String name) {
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
	 * Stop because forker cannot go on: the master exits with 1.
	 * @param reason why, for the log
	 */
	void fail(String reason) {
		this.exitCode = 1;
		beginStop(reason);
	}

	void beginStop(String reason) {
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

	void killAll() {
		this.killed = true;
		this.stopDeadlineNanos = this.clock.nanoTime() + KILL_GRACE_NANOS;
		for (WorkerProcess process : this.table.processes()) {
			this.processes.signalGroup(process.pid(), ProcessSignal.KILL);
		}
	}

	void checkStopDeadline(long now) {
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

}
