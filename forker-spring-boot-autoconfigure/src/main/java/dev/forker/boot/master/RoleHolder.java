package dev.forker.boot.master;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.WorkerState;

/**
 * Who holds a role that one worker at a time may hold, such as running the scheduled jobs
 * that run once per application. The master gives the role to a ready worker, takes it
 * back before that worker stops, and gives it to another worker only once the first has
 * released it or is gone: never to two workers at once.
 * <p>
 * A worker that is told its role is revoked stops the role's work, waits for what is
 * running, and answers that it released the role. A worker that dies releases it by
 * exiting.
 *
 * @since 0.1.0
 */
final class RoleHolder {

	private static final Log logger = LogFactory.getLog(RoleHolder.class);

	private final String role;

	private final String description;

	private @Nullable WorkerProcess holder;

	private @Nullable WorkerProcess releasing;

	/**
	 * Create a new holder of a role.
	 * @param role the role's name on the control channel
	 * @param description what the role does, for the log
	 */
	RoleHolder(String role, String description) {
		this.role = role;
		this.description = description;
	}

	/**
	 * Return the worker that holds the role.
	 * @return the holder, or {@code null} while nobody holds it
	 */
	@Nullable WorkerProcess holder() {
		return this.holder;
	}

	/**
	 * Return the name of the role as the status shows it.
	 * @return the name, such as {@code scheduler}
	 */
	String displayName() {
		return this.role.toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/**
	 * Give the role to a ready worker if nobody holds it and nobody is releasing it. The
	 * worker that became ready last is chosen: during a rolling restart that is a
	 * replacement, which no later step stops.
	 * @param processes the worker processes
	 */
	void assign(Collection<WorkerProcess> processes) {
		if (this.holder != null || this.releasing != null) {
			return;
		}
		WorkerProcess chosen = processes.stream()
			.filter((process) -> process.state() == WorkerState.READY && !process.retiring() && process.link() != null)
			.max(Comparator.comparingLong(WorkerProcess::readyNanos).thenComparingLong(WorkerProcess::startedNanos))
			.orElse(null);
		if (chosen == null) {
			return;
		}
		this.holder = chosen;
		logger.info(capitalize(chosen.toString()) + " " + this.description + " now");
		send(chosen, new ControlMessage.RoleGranted(this.role));
	}

	/**
	 * Take the role back from a worker that is about to stop or that stopped answering.
	 * Nobody gets the role until it released it or exited.
	 * @param process the worker
	 */
	void revoke(WorkerProcess process) {
		if (this.holder != process) {
			return;
		}
		this.holder = null;
		this.releasing = process;
		send(process, new ControlMessage.RoleRevoked(this.role));
	}

	/**
	 * A worker released the role after it was revoked.
	 * @param process the worker
	 * @return whether the role is free now
	 */
	boolean released(WorkerProcess process) {
		if (this.releasing != process) {
			return false;
		}
		this.releasing = null;
		return true;
	}

	/**
	 * A worker exited: the role it held or was releasing is free.
	 * @param process the worker
	 */
	void exited(WorkerProcess process) {
		if (this.holder == process) {
			this.holder = null;
		}
		if (this.releasing == process) {
			this.releasing = null;
		}
	}

	private static void send(WorkerProcess process, ControlMessage message) {
		ControlLink link = process.link();
		if (link != null) {
			link.send(message);
		}
	}

	private static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

}
