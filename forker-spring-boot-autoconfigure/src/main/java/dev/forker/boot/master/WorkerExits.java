package dev.forker.boot.master;

import jnr.constants.platform.Signal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.control.WorkerState;
import dev.forker.boot.master.WorkerProcess.StartupFailure;
import dev.forker.boot.posix.ExitStatus;

import static dev.forker.boot.master.LogText.capitalize;

/**
 * Acts on a worker process that exited: it loses its roles and deliveries, and unless it
 * was meant to stop, its failure is reported and its slot restarted, taken over by its
 * replacement, or, when it failed of itself before any worker was ever ready, forker
 * stops.
 *
 * @since 0.1.0
 */
final class WorkerExits {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private static final int SIGHUP = Signal.SIGHUP.intValue();

	private static final int SIGINT = Signal.SIGINT.intValue();

	private static final int SIGKILL = Signal.SIGKILL.intValue();

	private static final int SIGTERM = Signal.SIGTERM.intValue();

	private final WorkerTable table;

	private final RoleHolder scheduler;

	private final DatabaseInitialization database;

	private final RollingRestart rollingRestart;

	private final Shutdown shutdown;

	private final FirstStart firstStart;

	private final WorkerRestarts restarts;

	WorkerExits(WorkerTable table, RoleHolder scheduler, DatabaseInitialization database, RollingRestart rollingRestart,
			Shutdown shutdown, FirstStart firstStart, WorkerRestarts restarts) {
		this.table = table;
		this.scheduler = scheduler;
		this.database = database;
		this.rollingRestart = rollingRestart;
		this.shutdown = shutdown;
		this.firstStart = firstStart;
		this.restarts = restarts;
	}

	void onExit(long pid, ExitStatus status) {
		WorkerProcess process = this.table.remove(pid);
		if (process == null) {
			return;
		}
		this.scheduler.exited(process);
		this.database.exited(process);
		try {
			onExit(process, status);
		}
		finally {
			if (!this.shutdown.stopping()) {
				// After the exit is reported: another worker takes the role over
				this.scheduler.assign(this.table.processes());
			}
		}
	}

	private void onExit(WorkerProcess process, ExitStatus status) {
		if (process.state() == WorkerState.READY && !this.shutdown.stopping()) {
			this.table.broadcastSummary();
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
		if (this.shutdown.stopping() || process.retiring()) {
			logger.info("Stopped " + process + ": " + status);
			return;
		}
		String failure = describeFailure(process, status);
		if (!process.wasReady() && !this.firstStart.anyReady() && !stoppedFromOutside(process, status)) {
			this.firstStart.failStart(process, failure);
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
			this.restarts.recordRestart(failure);
			return;
		}
		if (slot.current() != process) {
			return;
		}
		if (!this.restarts.recordRestart(failure)) {
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
		this.restarts.scheduleRestart(slot);
	}

	/**
	 * Whether a process ended because something outside it and the master stopped it:
	 * killed ({@code SIGKILL}, as the OOM killer and operators do), or ended by a signal
	 * that asks a process to stop ({@code SIGTERM}, {@code SIGINT}, {@code SIGHUP}),
	 * which a JVM answers by running its shutdown hooks and exiting with 128 plus the
	 * signal's number. That says nothing of whether the application can start.
	 */
	private static boolean stoppedFromOutside(WorkerProcess process, ExitStatus status) {
		if (process.killReason() != null) {
			return false;
		}
		int signal = status.signaled() ? status.signal() : status.exitCode() - 128;
		return signal == SIGHUP || signal == SIGINT || signal == SIGTERM || (signal == SIGKILL && status.signaled());
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

}
