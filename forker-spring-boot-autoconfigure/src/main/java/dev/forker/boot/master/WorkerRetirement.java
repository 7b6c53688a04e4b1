package dev.forker.boot.master;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.WorkerState;

import static dev.forker.boot.master.LogText.capitalize;
import static dev.forker.boot.master.LogText.format;

/**
 * Takes one worker out of service: gracefully ({@code SIGTERM}, killed after
 * {@code forker.shutdown-timeout}) when it is replaced or scaled away, or at once with a
 * thread dump when it does not answer. Either way it loses its roles and the other
 * workers learn the new numbers.
 *
 * @since 0.1.0
 */
final class WorkerRetirement {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	static final long THREAD_DUMP_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

	private final ForkerProperties properties;

	private final WorkerProcesses processes;

	private final MasterClock clock;

	private final WorkerTable table;

	private final RoleHolder scheduler;

	WorkerRetirement(ForkerProperties properties, WorkerProcesses processes, MasterClock clock, WorkerTable table,
			RoleHolder scheduler) {
		this.properties = properties;
		this.processes = processes;
		this.clock = clock;
		this.table = table;
		this.scheduler = scheduler;
	}

	void retire(WorkerProcess process) {
		if (process.retiring()) {
			return;
		}
		boolean wasReady = process.state() == WorkerState.READY;
		process.retire();
		this.scheduler.revoke(process);
		if (wasReady) {
			this.table.broadcastSummary();
		}
		process.killAt(this.clock.nanoTime() + this.properties.getShutdownTimeout().toNanos());
		process.killReason(
				"it did not stop within forker.shutdown-timeout=" + format(this.properties.getShutdownTimeout()));
		this.processes.signalGroup(process.pid(), ProcessSignal.TERM);
	}

	/**
	 * Kill the workers whose time to stop is up.
	 * @param overdue the workers
	 */
	void kill(List<WorkerProcess> overdue) {
		for (WorkerProcess process : overdue) {
			process.killAt(-1);
			if (process.retiring()) {
				logger.warn("Killing " + process + ": it " + process.killReason());
			}
			this.processes.signalGroup(process.pid(), ProcessSignal.KILL);
		}
	}

	void dumpAndKill(WorkerProcess process, String reason) {
		logger.warn(
				capitalize(process.toString()) + " " + reason + ": requesting a thread dump (SIGQUIT) and killing it");
		boolean wasReady = process.state() == WorkerState.READY;
		process.state(WorkerState.UNRESPONSIVE);
		// It may still run its jobs: nobody else gets the role until it is gone
		this.scheduler.revoke(process);
		if (wasReady) {
			this.table.broadcastSummary();
		}
		process.killReason(reason);
		process.killAt(this.clock.nanoTime() + THREAD_DUMP_GRACE_NANOS);
		this.processes.signal(process.pid(), ProcessSignal.QUIT);
		// A stopped (SIGSTOP) JVM writes its thread dump once it runs again
		this.processes.signalGroup(process.pid(), ProcessSignal.CONT);
	}

}
