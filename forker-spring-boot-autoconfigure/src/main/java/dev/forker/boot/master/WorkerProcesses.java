package dev.forker.boot.master;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

import dev.forker.boot.posix.ExitStatus;

/**
 * What the master needs from the operating system to run worker processes. The master
 * calls it from its own thread only; exits are reaped there too, so a process the master
 * signals has not been reaped and its pid cannot belong to another process.
 *
 * @since 0.1.0
 */
public interface WorkerProcesses {

	/**
	 * Start a worker process, in a process group of its own.
	 * @param workerId the worker id
	 * @param token the secret the worker introduces itself with
	 * @param workers the number of workers the master runs now, for sizing the JVM
	 * @return the pid
	 * @throws IOException if the process could not be started
	 */
	long start(int workerId, String token, int workers) throws IOException;

	/**
	 * Send a signal to a worker process that has not been reaped.
	 * @param pid the process
	 * @param signal the signal
	 */
	void signal(long pid, ProcessSignal signal);

	/**
	 * Send a signal to the process group of a worker process that has not been reaped:
	 * the worker and any process it started.
	 * @param pid the worker process
	 * @param signal the signal
	 */
	void signalGroup(long pid, ProcessSignal signal);

	/**
	 * Reap every child process that has exited, without waiting. What is left of the
	 * process group of an exited worker is killed first.
	 * @return the exits of worker processes started with {@link #start}
	 */
	List<Exit> reapExited();

	/**
	 * Return a new secret for a worker to introduce itself with.
	 * @return the token
	 */
	static String newToken() {
		return WorkerTokens.next();
	}

	/**
	 * A worker process started before the master ran: by the application's JVM, just
	 * before it became the lightweight master. The master adopts it as if it had started
	 * it itself.
	 *
	 * @param workerId the worker id
	 * @param pid the pid
	 * @param token the secret the worker introduces itself with
	 * @param startedAt when it was started
	 */
	record Started(int workerId, long pid, String token, Instant startedAt) {

	}

	/**
	 * A reaped worker process.
	 *
	 * @param pid the pid it had
	 * @param status how it ended
	 */
	record Exit(long pid, ExitStatus status) {

	}

}
