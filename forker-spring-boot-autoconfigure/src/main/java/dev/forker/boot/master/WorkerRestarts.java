package dev.forker.boot.master;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.util.backoff.BackOffExecution;

import dev.forker.boot.ForkerProperties;

import static dev.forker.boot.master.LogText.format;

/**
 * Restarts the workers that failed, after the delay of the {@link RestartPolicy} and
 * within its budget: once the budget is spent, forker gives up and stops.
 *
 * @since 0.1.0
 */
final class WorkerRestarts {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private final ForkerProperties properties;

	private final MasterClock clock;

	private final WorkerTable table;

	private final RestartPolicy restartPolicy;

	private final WorkerSpawner spawner;

	private final Shutdown shutdown;

	WorkerRestarts(ForkerProperties properties, MasterClock clock, WorkerTable table, WorkerSpawner spawner,
			Shutdown shutdown) {
		this.properties = properties;
		this.clock = clock;
		this.table = table;
		this.restartPolicy = new RestartPolicy(properties.getRestart());
		this.spawner = spawner;
		this.shutdown = shutdown;
	}

	/**
	 * Count a restart within the budget, or give up when it is spent.
	 * @param lastFailure the failure that calls for the restart
	 * @return {@code false} when forker gave up
	 */
	boolean recordRestart(String lastFailure) {
		if (!this.restartPolicy.tryRecordRestart(this.clock.nanoTime())) {
			giveUp(lastFailure);
			return false;
		}
		return true;
	}

	void scheduleRestart(WorkerSlot slot) {
		BackOffExecution failures = slot.failures();
		if (failures == null) {
			failures = this.restartPolicy.startBackOff();
			slot.failures(failures);
		}
		Duration delay = RestartPolicy.nextDelay(failures);
		slot.scheduleRestart(this.clock.nanoTime() + delay.toNanos());
		logger.info("Restarting worker " + slot.id() + " in " + format(delay));
	}

	void restartDue(long now) {
		for (WorkerSlot slot : this.table.slots()) {
			if (slot.restartPending() && now - slot.restartAtNanos() >= 0 && this.spawner.start(slot, false) == null) {
				retryStart(slot);
				if (this.shutdown.stopping()) {
					return;
				}
			}
		}
	}

	/**
	 * Return the earlier of a deadline and the next restart that is due.
	 * @param next the deadline
	 * @return the earlier one
	 */
	long nextRestart(long next) {
		for (WorkerSlot slot : this.table.slots()) {
			if (slot.restartPending()) {
				next = Math.min(next, slot.restartAtNanos());
			}
		}
		return next;
	}

	/**
	 * A worker could not be started: try again later, within the restart budget.
	 */
	void retryStart(WorkerSlot slot) {
		if (!recordRestart("worker " + slot.id() + " could not be started")) {
			return;
		}
		scheduleRestart(slot);
	}

	private void giveUp(String lastFailure) {
		ForkerProperties.Restart restart = this.properties.getRestart();
		logger.error("forker gives up: more than forker.restart.max-restarts=" + restart.getMaxRestarts()
				+ " worker restarts within forker.restart.window=" + format(restart.getWindow()) + ". Last failure: "
				+ lastFailure + ". Stopping all workers; see the worker logs above for the cause.");
		this.shutdown.fail("forker gave up");
	}

}
