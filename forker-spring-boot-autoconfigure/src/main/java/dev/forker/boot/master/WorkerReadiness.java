package dev.forker.boot.master;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.control.WorkerState;

import static dev.forker.boot.master.LogText.capitalize;
import static dev.forker.boot.master.LogText.format;

/**
 * Acts on a worker that reports ready: it takes its slot over (or retires, if its slot
 * was scaled away), the other workers learn the new numbers, and the roles, the database
 * initialization and the first start move on.
 *
 * @since 0.1.0
 */
final class WorkerReadiness {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private final MasterClock clock;

	private final WorkerTable table;

	private final RollingRestart rollingRestart;

	private final RollingRestartSteps rollingRestartSteps;

	private final WorkerRetirement retirement;

	private final DatabaseInitialization database;

	private final RoleHolder scheduler;

	private final FirstStart firstStart;

	WorkerReadiness(MasterClock clock, WorkerTable table, RollingRestart rollingRestart,
			RollingRestartSteps rollingRestartSteps, WorkerRetirement retirement, DatabaseInitialization database,
			RoleHolder scheduler, FirstStart firstStart) {
		this.clock = clock;
		this.table = table;
		this.rollingRestart = rollingRestart;
		this.rollingRestartSteps = rollingRestartSteps;
		this.retirement = retirement;
		this.database = database;
		this.scheduler = scheduler;
		this.firstStart = firstStart;
	}

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
			this.retirement.retire(process);
			return;
		}
		slot.failures(null);
		if (slot.replacement() == process) {
			this.rollingRestartSteps.onReplacementReady(slot, process);
		}
		else if (this.rollingRestart.current() == slot.id() && this.rollingRestart.retiring() == null) {
			// A replacement that took over after the old process crashed
			this.rollingRestart.finishStep(slot.id());
		}
		this.table.broadcastSummary();
		// A worker that is ready has run its database initializers
		this.database.done(process, this.table.processes());
		this.scheduler.assign(this.table.processes());
		this.firstStart.onReady(now);
	}

}
