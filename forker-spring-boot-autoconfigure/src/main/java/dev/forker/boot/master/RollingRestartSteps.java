package dev.forker.boot.master;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.WorkerState;

import static dev.forker.boot.master.LogText.capitalize;

/**
 * The steps of a {@link RollingRestart}: it begins on request or when a worker has
 * handled {@code forker.worker.max-requests}, the replacement of the next ready worker
 * starts, and once the replacement is ready it takes the slot over and the old process
 * retires.
 *
 * @since 0.1.0
 */
final class RollingRestartSteps {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private final ForkerProperties properties;

	private final WorkerTable table;

	private final RollingRestart rollingRestart;

	private final WorkerSpawner spawner;

	private final WorkerRetirement retirement;

	private final DatabaseInitialization database;

	RollingRestartSteps(ForkerProperties properties, WorkerTable table, RollingRestart rollingRestart,
			WorkerSpawner spawner, WorkerRetirement retirement, DatabaseInitialization database) {
		this.properties = properties;
		this.table = table;
		this.rollingRestart = rollingRestart;
		this.spawner = spawner;
		this.retirement = retirement;
		this.database = database;
	}

	ControlMessage.CommandReply rollingRestart(String origin) {
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

	/**
	 * Replace a worker that has handled its share of requests, unless it is being
	 * replaced already.
	 * @param process the worker
	 * @param requests the requests it has handled
	 */
	void recycleIfDue(WorkerProcess process, long requests) {
		long limit = process.recycleAfterRequests();
		WorkerSlot slot = this.table.slot(process.id());
		if (limit > 0 && requests >= limit && slot != null && slot.current() == process
				&& process.state() == WorkerState.READY && !this.rollingRestart.isQueued(process.id())) {
			logger
				.info(capitalize(process.toString()) + " handled " + requests + " requests (forker.worker.max-requests="
						+ this.properties.getWorker().getMaxRequests() + " plus jitter): replacing it");
			this.rollingRestart.begin(List.of(process.id()), "max-requests");
		}
	}

	void advanceRollingRestart() {
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
			if (this.spawner.start(slot, true) == null) {
				logger.error("Rolling restart stopped: the replacement of worker " + id + " could not be started");
				this.rollingRestart.abort();
			}
			return;
		}
	}

	void onReplacementReady(WorkerSlot slot, WorkerProcess replacement) {
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
		this.retirement.retire(old);
	}

}
