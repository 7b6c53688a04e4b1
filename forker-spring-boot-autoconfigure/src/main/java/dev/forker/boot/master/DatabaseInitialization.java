package dev.forker.boot.master;

import java.util.Collection;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;

/**
 * Which worker initializes the database, so that {@code spring.sql.init} scripts, Flyway
 * and Liquibase run once, in one worker, before any other worker goes on with its own
 * start, as they do in one JVM.
 * <p>
 * The first worker that asks, at the start of a deployment or of a rolling restart,
 * initializes the database; every other worker waits until it says it is done (or is
 * ready), then starts without running the scripts again. A worker that replaces one that
 * crashed, or that scaling adds, finds the database initialized and does not wait. When
 * the initializing worker exits before it is done, the next worker that asks takes over.
 *
 * @since 0.1.0
 */
final class DatabaseInitialization {

	private static final Log logger = LogFactory.getLog(DatabaseInitialization.class);

	private @Nullable WorkerProcess initializer;

	private @Nullable WorkerProcess lastInitializer;

	private boolean initialized;

	/**
	 * A worker asks for its turn.
	 * @param process the worker
	 * @param requestId the id of its request
	 * @return the answer
	 */
	ControlMessage.DatabaseTurnReply turn(WorkerProcess process, long requestId) {
		if (this.initialized) {
			return new ControlMessage.DatabaseTurnReply(requestId, false, true);
		}
		if (this.initializer == null || this.initializer == process) {
			this.initializer = process;
			logger.info(capitalize(process.toString())
					+ " initializes the database (spring.sql.init, Flyway, Liquibase); the other workers wait for it");
			return new ControlMessage.DatabaseTurnReply(requestId, true, false);
		}
		return new ControlMessage.DatabaseTurnReply(requestId, false, false);
	}

	/**
	 * A worker says it initialized the database, or is ready (and so did).
	 * @param process the worker
	 * @param processes every worker, told that they may go on
	 */
	void done(WorkerProcess process, Collection<WorkerProcess> processes) {
		if (this.initialized || this.initializer != process) {
			return;
		}
		this.initialized = true;
		this.lastInitializer = process;
		this.initializer = null;
		logger.info(capitalize(process.toString()) + " initialized the database");
		for (WorkerProcess other : processes) {
			ControlLink link = other.link();
			if (other != process && link != null) {
				link.send(new ControlMessage.DatabaseInitialized());
			}
		}
	}

	/**
	 * A worker exited: if it was initializing the database, the next worker that asks
	 * does it.
	 * @param process the worker
	 */
	void exited(WorkerProcess process) {
		if (this.initializer == process) {
			this.initializer = null;
			logger.warn(capitalize(process.toString())
					+ " exited before it initialized the database: the next worker to start initializes it");
		}
		if (this.lastInitializer == process) {
			this.lastInitializer = null;
		}
	}

	/**
	 * A deployment begins (a rolling restart): its first worker initializes the database
	 * again, as one JVM does when it is restarted with a new version.
	 */
	void newDeployment() {
		this.initialized = false;
		this.initializer = null;
	}

	/**
	 * Return the worker that initializes the database now, or did last.
	 * @return the worker, or {@code null}
	 */
	@Nullable WorkerProcess initializer() {
		return (this.initializer != null) ? this.initializer : this.lastInitializer;
	}

	private static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

}
