package dev.forker.boot.worker;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * How a worker whose master is gone stops: an orphan must not keep serving.
 *
 * @since 0.1.0
 */
final class OrphanExit {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	/**
	 * How long a ready worker whose master is gone has for its shutdown hooks before it
	 * halts: within the 2 seconds that an orphan may live.
	 */
	static final long GRACE_MILLIS = 1000;

	private OrphanExit() {
	}

	/**
	 * Stop this worker because its master is gone. A worker that has not been ready yet
	 * (its JVM or its application context is still starting) halts at once: closing a
	 * context that is still refreshing waits for the refresh, and in shared mode the
	 * worker already holds the listening socket. A ready worker exits through its
	 * shutdown hooks (Spring Boot's graceful shutdown), and halts if they take longer
	 * than {@link #GRACE_MILLIS}, also when it was already stopping.
	 * @param environment the worker environment
	 * @param haltAtOnce whether the worker halts without its shutdown hooks
	 * @param beforeLogging whether logging is not set up yet: the message goes to
	 * standard error too
	 */
	static void exit(WorkerEnvironment environment, boolean haltAtOnce, boolean beforeLogging) {
		String message = "forker master (pid " + environment.masterPid() + ") is gone: " + environment.name()
				+ " stops now";
		if (haltAtOnce) {
			message += " (it was not ready yet, so it halts without closing its application context)";
			logger.error(message);
			if (beforeLogging) {
				System.err.println(message);
			}
			System.err.flush();
			Runtime.getRuntime().halt(1);
		}
		logger.error(message);
		Thread halt = new Thread(() -> {
			try {
				Thread.sleep(GRACE_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			Runtime.getRuntime().halt(1);
		}, "forker-orphan-halt");
		halt.setDaemon(true);
		halt.start();
		System.exit(1);
	}

}
