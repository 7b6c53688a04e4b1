package dev.forker.boot;

import java.util.OptionalInt;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Where the running code lives in a forker deployment. The application context only ever
 * runs in workers (the master never builds it), so application code asks whether it runs
 * in a worker and which one, the way fasthttp's {@code prefork.IsChild()} is used.
 *
 * @since 0.1.0
 */
public final class Forker {

	private Forker() {
	}

	/**
	 * Return whether this JVM is a worker started by a forker master.
	 * @return {@code true} in a worker
	 */
	public static boolean isWorker() {
		return WorkerEnvironment.current() != null;
	}

	/**
	 * Return the id of this worker, from 1 to the number of workers. A worker that
	 * replaces another (after a crash or during a rolling restart) takes over its id.
	 * @return the worker id, or empty when this JVM is not a forker worker
	 */
	public static OptionalInt workerId() {
		WorkerEnvironment worker = WorkerEnvironment.current();
		return (worker != null) ? OptionalInt.of(worker.workerId()) : OptionalInt.empty();
	}

	/**
	 * Return whether this JVM holds a role: whether it does the work that the whole
	 * application does once, such as running the scheduled jobs that run once per
	 * application. A JVM that is not a forker worker is the whole application and holds
	 * every role.
	 * @param role the role
	 * @return whether this JVM holds the role now
	 * @see WorkerRoleGrantedEvent
	 * @see WorkerRoleRevokedEvent
	 */
	public static boolean hasRole(WorkerRole role) {
		if (!isWorker()) {
			return true;
		}
		WorkerAgent agent = WorkerAgent.current();
		return agent != null && agent.getRoles().has(role.name());
	}

}
