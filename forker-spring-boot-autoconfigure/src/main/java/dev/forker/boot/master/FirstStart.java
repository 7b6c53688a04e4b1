package dev.forker.boot.master;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.WorkerState;
import dev.forker.boot.master.WorkerProcess.StartupFailure;

import static dev.forker.boot.master.LogText.format;

/**
 * The first start of the workers: at most {@code forker.worker.start-concurrency} start
 * at once, the moment they are all ready is logged once, and a worker that fails before
 * any worker was ever ready stops forker, since restarting would only repeat the failure.
 * Once one worker has been ready the application can start, and a worker that fails is
 * restarted like any other.
 *
 * @since 0.1.0
 */
final class FirstStart {

	// The master's category: operators configure one logger for the master
	private static final Log logger = LogFactory.getLog(Master.class);

	private final ForkerProperties properties;

	private final WorkerTable table;

	private final WorkerSpawner spawner;

	private final Shutdown shutdown;

	private final int port;

	private final long startedNanos;

	private boolean everReady;

	private boolean anyReady;

	FirstStart(ForkerProperties properties, WorkerTable table, WorkerSpawner spawner, Shutdown shutdown, int port,
			long startedNanos) {
		this.properties = properties;
		this.table = table;
		this.spawner = spawner;
		this.shutdown = shutdown;
		this.port = port;
		this.startedNanos = startedNanos;
	}

	void begin(int workers) {
		for (int id = 1; id <= workers; id++) {
			this.table.addSlot(id).waitingToStart(true);
		}
		// Adopted from a replaced master with more workers than configured now
		this.spawner.stopAdoptedBeyond(workers);
		// Adopted workers run already, and may introduce themselves at once
		for (WorkerSlot slot : this.table.slots()) {
			if (this.spawner.isAdoptable(slot.id())) {
				slot.waitingToStart(false);
				this.spawner.start(slot, false);
			}
		}
		startWaiting();
	}

	/**
	 * Take the application as ready once: its workers were adopted from a master that
	 * replaced itself, and have served.
	 */
	void markEverReady() {
		this.everReady = true;
		this.anyReady = true;
	}

	/**
	 * Whether every worker has been ready at once since the master started.
	 * @return whether the application has ever been ready
	 */
	boolean everReady() {
		return this.everReady;
	}

	/**
	 * Whether any worker has been ready since the master started: the application can
	 * start.
	 * @return whether a worker has ever been ready
	 */
	boolean anyReady() {
		return this.anyReady;
	}

	/**
	 * A worker is ready: the next waits no longer, and the first time they are all ready
	 * is logged.
	 * @param now the time now
	 */
	void onReady(long now) {
		this.anyReady = true;
		startWaiting();
		if (!this.everReady && this.table.readyCount() >= this.table.slotCount()) {
			this.everReady = true;
			logger.info("All " + this.table.slotCount() + " workers are ready on port " + this.port + ", "
					+ format(Duration.ofNanos(now - this.startedNanos)) + " after the master started");
		}
	}

	/**
	 * Start the workers of the first start that wait for their turn: at most
	 * {@code forker.worker.start-concurrency} start at once, the next as soon as one is
	 * ready.
	 */
	private void startWaiting() {
		int limit = this.properties.getWorker().determineStartConcurrency();
		int starting = (int) this.table.processes()
			.stream()
			.filter((process) -> process.state() == WorkerState.STARTING)
			.count();
		for (WorkerSlot slot : this.table.slots()) {
			if (this.shutdown.stopping() || starting >= limit) {
				return;
			}
			if (slot.waitingToStart()) {
				slot.waitingToStart(false);
				if (this.spawner.start(slot, false) == null) {
					this.shutdown.fail("worker " + slot.id() + " could not be started");
					return;
				}
				starting++;
			}
		}
	}

	/**
	 * A worker failed before the application was ever ready: the start cannot succeed,
	 * and restarting would only repeat the failure. Stop, report once, exit non-zero.
	 */
	void failStart(WorkerProcess process, String failure) {
		StartupFailure startupFailure = process.startupFailure();
		StringBuilder message = new StringBuilder(failure);
		message.append(". No worker has been ready yet, so the application cannot start: forker stops.");
		if (startupFailure != null && startupFailure.description() != null) {
			message.append(String.format("%n%n***************************%nAPPLICATION FAILED TO START%n"
					+ "***************************%n%nDescription:%n%n%s%n", startupFailure.description()));
			if (startupFailure.action() != null) {
				message.append(String.format("%nAction:%n%n%s%n", startupFailure.action()));
			}
		}
		logger.error(message);
		this.shutdown.fail(process + " failed to start");
	}

}
