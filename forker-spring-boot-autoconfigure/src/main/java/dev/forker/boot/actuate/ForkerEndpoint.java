package dev.forker.boot.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.worker.WorkerAgent;

/**
 * {@code /actuator/forker}: the master's view of itself and of every worker, answered by
 * whichever worker receives the request, which asks its master. Its write operations
 * (rolling restart, scaling) are refused unless
 * {@code management.endpoint.forker.access=unrestricted}.
 *
 * @since 0.1.0
 */
@Endpoint(id = "forker", defaultAccess = Access.READ_ONLY)
public class ForkerEndpoint {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Time an in-place upgrade may take to check the new version (a JVM that starts the
	 * application far enough to read its configuration).
	 */
	private static final Duration UPGRADE_TIMEOUT = Duration.ofMinutes(2);

	private final WorkerAgent agent;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 */
	public ForkerEndpoint(WorkerAgent agent) {
		this.agent = agent;
	}

	/**
	 * Return the master and all workers.
	 * @return the status
	 */
	@ReadOperation
	public ForkerStatus status() {
		return this.agent.status(TIMEOUT);
	}

	/**
	 * Return the processes of one worker id: one, or two during its rolling restart.
	 * @param id the worker id
	 * @return the worker's processes, or {@code null} (404) for an unknown id
	 */
	@ReadOperation
	public @Nullable List<ForkerStatus.Worker> worker(@Selector int id) {
		List<ForkerStatus.Worker> processes = this.agent.status(TIMEOUT).worker(id);
		return processes.isEmpty() ? null : processes;
	}

	/**
	 * Carry out an operation: {@code rolling-restart}, {@code upgrade} (the master
	 * replaces itself in place with the version on disk, then every worker; answered once
	 * the new version passed its check or failed it), or {@code scale} with the number of
	 * {@code workers}.
	 * @param operation the operation
	 * @param workers the number of workers, for {@code scale}
	 * @return whether the master accepted the operation, and what it does
	 */
	@WriteOperation
	public OperationResult operate(@Selector String operation, @Nullable Integer workers) {
		ControlMessage.Command command = switch (operation.toLowerCase(Locale.ROOT)) {
			case "rolling-restart", "restart" -> ControlMessage.Command.ROLLING_RESTART;
			case "scale" -> ControlMessage.Command.SCALE;
			case "upgrade" -> ControlMessage.Command.UPGRADE;
			default -> null;
		};
		if (command == null) {
			return new OperationResult(false,
					"Unknown operation '" + operation + "': use rolling-restart, upgrade, or scale with \"workers\"");
		}
		if (command == ControlMessage.Command.SCALE && workers == null) {
			return new OperationResult(false, "scale needs the number of workers, for example {\"workers\": 4}");
		}
		ControlMessage.CommandReply reply = this.agent.command(command, workers,
				(command == ControlMessage.Command.UPGRADE) ? UPGRADE_TIMEOUT : TIMEOUT);
		return new OperationResult(reply.accepted(), reply.message());
	}

	/**
	 * The answer to an operation.
	 *
	 * @param accepted whether the master carries the operation out
	 * @param message what the master does, or why it refuses
	 */
	public record OperationResult(boolean accepted, String message) {

	}

}
