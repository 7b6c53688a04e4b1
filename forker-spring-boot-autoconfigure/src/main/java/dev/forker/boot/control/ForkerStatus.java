package dev.forker.boot.control;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A master's view of itself and its workers, as {@code GET /actuator/forker} shows it.
 *
 * @param master the master
 * @param workers the worker processes, by id; during a rolling restart an id can have two
 * processes, the one stopping and its replacement
 * @since 0.1.0
 */
public record ForkerStatus(Master master, List<Worker> workers) {

	public ForkerStatus {
		workers = List.copyOf(workers);
	}

	/**
	 * Return the processes of one worker id.
	 * @param id the worker id
	 * @return the processes, none if the id is unknown
	 */
	public List<Worker> worker(int id) {
		return this.workers.stream().filter((worker) -> worker.id() == id).toList();
	}

	/**
	 * The master.
	 *
	 * @param pid the master's pid
	 * @param mode how workers share the port ({@code shared} or {@code reuseport})
	 * @param port the server port the workers serve
	 * @param ports every port the workers serve, by the property that configures it
	 * @param startedAt when the master started
	 * @param uptimeSeconds how long the master has run
	 * @param configuredWorkers the number of workers the master keeps running
	 * @param readyWorkers the number of workers that are ready
	 * @param rollingRestart what a rolling restart in progress does, or {@code null}
	 */
	public record Master(long pid, String mode, int port, Map<String, Integer> ports, Instant startedAt,
			long uptimeSeconds, int configuredWorkers, int readyWorkers, @Nullable String rollingRestart) {

	}

	/**
	 * One worker process.
	 *
	 * @param id the worker id
	 * @param pid the process id
	 * @param state the state: {@code starting}, {@code ready}, {@code unresponsive} or
	 * {@code stopping}
	 * @param startedAt when the process was started
	 * @param uptimeSeconds how long the process has run
	 * @param restarts how many times this worker id was restarted after an unexpected
	 * exit
	 * @param lastHeartbeat when the process last reported, or {@code null}
	 * @param health the health status the process last reported, or {@code null}
	 * @param requests the number of requests the process reported handled
	 * @param connections the connections the process reported open, over all its ports
	 * @param lastExit how the previous process of this id ended, such as
	 * {@code exit code 1} or {@code signal 9 (SIGKILL)}, or {@code null}
	 * @param roles the roles the master gave the process: {@code scheduler} (it runs the
	 * scheduled jobs that run once per application), {@code database-initializer} (it
	 * initializes the database, or did last)
	 */
	public record Worker(int id, long pid, String state, Instant startedAt, long uptimeSeconds, int restarts,
			@Nullable Instant lastHeartbeat, @Nullable String health, long requests, int connections,
			@Nullable String lastExit, @Nullable List<String> roles) {

		public Worker {
			roles = (roles != null) ? List.copyOf(roles) : List.of();
		}

	}

}
