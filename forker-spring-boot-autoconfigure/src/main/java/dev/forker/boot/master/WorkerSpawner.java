package dev.forker.boot.master;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerProperties;

/**
 * Starts the process of a worker slot, as its current process or as the replacement of
 * its current process, or adopts the worker the application's JVM started for the slot.
 * Each process gets its own token and its own {@code forker.worker.max-requests} limit
 * with jitter.
 *
 * @since 0.1.0
 */
final class WorkerSpawner {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private final ForkerProperties properties;

	private final WorkerProcesses processes;

	private final MasterClock clock;

	private final WorkerTable table;

	private final SecureRandom random = new SecureRandom();

	private final Map<Integer, WorkerProcesses.Started> adoptable = new HashMap<>();

	private int targetWorkers;

	WorkerSpawner(ForkerProperties properties, WorkerProcesses processes, MasterClock clock, WorkerTable table) {
		this.properties = properties;
		this.processes = processes;
		this.clock = clock;
		this.table = table;
	}

	void adopt(List<WorkerProcesses.Started> started) {
		for (WorkerProcesses.Started worker : started) {
			this.adoptable.put(worker.workerId(), worker);
		}
	}

	boolean isAdoptable(int id) {
		return this.adoptable.containsKey(id);
	}

	/**
	 * Stop the adopted workers whose id is beyond the number of workers configured now.
	 * @param workers the number of workers
	 */
	void stopAdoptedBeyond(int workers) {
		for (WorkerProcesses.Started extra : List.copyOf(this.adoptable.values())) {
			if (extra.workerId() > workers) {
				this.adoptable.remove(extra.workerId());
				logger.info("Stopping worker " + extra.workerId() + " (pid " + extra.pid() + "): forker.workers is "
						+ workers + " now");
				this.processes.signalGroup(extra.pid(), ProcessSignal.TERM);
			}
		}
	}

	/**
	 * Set the number of workers the master runs, which sizes the JVMs started from now.
	 * @param targetWorkers the number of workers
	 */
	void targetWorkers(int targetWorkers) {
		this.targetWorkers = targetWorkers;
	}

	@Nullable WorkerProcess start(WorkerSlot slot, boolean asReplacement) {
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

}
