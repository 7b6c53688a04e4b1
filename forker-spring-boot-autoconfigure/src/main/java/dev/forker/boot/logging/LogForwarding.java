package dev.forker.boot.logging;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * Log files with N workers: the master is the only process that writes a log file. Each
 * worker hands what it would write to a file to the master, already formatted; the master
 * writes it through its own file appender of the same name. One writer per file means no
 * line is lost when the file rolls, rolling and retention behave as configured, and every
 * line keeps its process tag ({@code [master]}, {@code [worker-N]}). Needs Logback
 * (Spring Boot's default); without it, this does nothing.
 *
 * @since 0.1.0
 */
public final class LogForwarding {

	private LogForwarding() {
	}

	/**
	 * In the master: start writing the workers' log files, if this JVM's logging writes
	 * any.
	 * @param socketPath where workers connect
	 * @param authenticator checks who connects
	 * @return the running server, which stops when closed, or {@code null} when there is
	 * no log file to write
	 * @throws IOException if the socket cannot be opened
	 */
	public static @Nullable Closeable startMaster(Path socketPath, Authenticator authenticator) throws IOException {
		if (!LogbackPresence.isPresent()) {
			return null;
		}
		return LogServer.startIfNeeded(socketPath, authenticator);
	}

	/**
	 * Return whether this JVM's logging writes files, so that a master configured the
	 * same way forwards the workers' log files.
	 * @return whether there are log files to forward
	 */
	public static boolean hasFiles() {
		return LogbackPresence.isPresent() && LogServer.isNeeded();
	}

	/**
	 * In a worker, once logging is initialized: forward what this worker's file appenders
	 * would write to the master.
	 * @param worker the worker environment
	 */
	public static void startWorker(WorkerEnvironment worker) {
		Path socket = worker.logSocket();
		if (socket != null && LogbackPresence.isPresent()) {
			WorkerLogForwarding.install(worker, socket);
		}
	}

	/**
	 * Checks that a log connection comes from a worker of this master.
	 */
	@FunctionalInterface
	public interface Authenticator {

		/**
		 * Check an introduction.
		 * @param workerId the worker id the peer claims
		 * @param pid the pid the peer claims
		 * @param token the token the peer presents
		 * @return whether the peer is that worker
		 */
		boolean isWorker(int workerId, long pid, String token);

	}

}
