package dev.forker.boot.master;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.WorkerState;
import dev.forker.boot.diagnostics.Durations;

/**
 * Finds the worker processes the master must act on: those past the time they were given
 * to stop or to write a thread dump, those that did not become ready within
 * {@code forker.worker.startup-timeout}, and ready ones that sent no heartbeat for
 * {@code forker.worker.heartbeat-timeout}. Neither deadline is a request timeout.
 *
 * @since 0.1.0
 */
final class Watchdog {

	private final ForkerProperties.Worker settings;

	Watchdog(ForkerProperties.Worker settings) {
		this.settings = settings;
	}

	/**
	 * Return the processes whose kill deadline has passed.
	 * @param now the current monotonic time
	 * @param processes the processes
	 * @return the processes to kill
	 */
	List<WorkerProcess> overdue(long now, List<WorkerProcess> processes) {
		List<WorkerProcess> overdue = new ArrayList<>();
		for (WorkerProcess process : processes) {
			if (process.killAtNanos() >= 0 && now - process.killAtNanos() >= 0) {
				overdue.add(process);
			}
		}
		return overdue;
	}

	/**
	 * Return the processes that are late to start or to send a heartbeat, with why.
	 * @param now the current monotonic time
	 * @param processes the processes
	 * @return the unresponsive processes
	 */
	List<Unresponsive> unresponsive(long now, List<WorkerProcess> processes) {
		List<Unresponsive> found = new ArrayList<>();
		for (WorkerProcess process : processes) {
			if (process.killAtNanos() >= 0) {
				continue;
			}
			if (process.state() == WorkerState.STARTING
					&& now - process.startedNanos() > this.settings.getStartupTimeout().toNanos()) {
				found.add(new Unresponsive(process, "did not become ready within forker.worker.startup-timeout="
						+ Durations.format(this.settings.getStartupTimeout())));
			}
			else if (process.state() == WorkerState.READY
					&& now - process.lastHeartbeatNanos() > this.settings.getHeartbeatTimeout().toNanos()) {
				found.add(new Unresponsive(process,
						"sent no heartbeat for "
								+ Durations.format(Duration.ofNanos(now - process.lastHeartbeatNanos()))
								+ " (forker.worker.heartbeat-timeout="
								+ Durations.format(this.settings.getHeartbeatTimeout()) + ")"));
			}
		}
		return found;
	}

	/**
	 * A process that is late, and why.
	 *
	 * @param process the process
	 * @param reason what it failed to do, completing "it ..."
	 */
	record Unresponsive(WorkerProcess process, String reason) {

	}

}
