package dev.forker.boot.master;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlMessage;

/**
 * Changes the number of workers: new slots start their worker at once, the slots above
 * the new number are removed and their processes retire gracefully.
 *
 * @since 0.1.0
 */
final class WorkerScaling {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private final WorkerTable table;

	private final RollingRestart rollingRestart;

	private final WorkerSpawner spawner;

	private final WorkerRestarts restarts;

	private final WorkerRetirement retirement;

	private final int maxWorkers;

	WorkerScaling(WorkerTable table, RollingRestart rollingRestart, WorkerSpawner spawner, WorkerRestarts restarts,
			WorkerRetirement retirement, int maxWorkers) {
		this.table = table;
		this.rollingRestart = rollingRestart;
		this.spawner = spawner;
		this.restarts = restarts;
		this.retirement = retirement;
		this.maxWorkers = maxWorkers;
	}

	ControlMessage.CommandReply scale(@Nullable Integer workers, String origin) {
		int current = this.table.slotCount();
		if (workers == null || workers < 1 || workers > this.maxWorkers) {
			return new ControlMessage.CommandReply(0, false, "the number of workers must be from 1 to "
					+ this.maxWorkers + " (requested " + workers + ", running " + current + ")");
		}
		StringBuilder message = new StringBuilder(
				"Scaling from " + current + " to " + workers + " workers (" + origin + ")");
		logger.info(message);
		this.spawner.targetWorkers(workers);
		for (int id = current + 1; id <= workers; id++) {
			WorkerSlot slot = this.table.addSlot(id);
			if (this.spawner.start(slot, false) == null) {
				message.append("; worker ").append(id).append(" could not be started and is retried");
				this.restarts.retryStart(slot);
			}
		}
		for (int id = current; id > workers; id--) {
			WorkerSlot slot = this.table.removeSlot(id);
			this.rollingRestart.remove(id);
			if (slot != null) {
				for (WorkerProcess process : new WorkerProcess[] { slot.current(), slot.replacement() }) {
					if (process != null) {
						this.retirement.retire(process);
					}
				}
			}
		}
		return new ControlMessage.CommandReply(0, true, message.toString());
	}

}
