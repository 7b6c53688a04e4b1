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

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.worker.MasterUnavailableException;
import dev.forker.boot.worker.WorkerAgent;

/**
 * {@code /actuator/forker}: the master's view of itself and of every worker, answered by
 * whichever worker receives the request, which asks its master. Its write operations
 * (rolling restart, scaling) are refused unless
 * {@code management.endpoint.forker.access=unrestricted}. While the master replaces
 * itself in place, the read operations throw {@link MasterUnavailableException} at once
 * (over HTTP, {@link ForkerEndpointWebExtension} answers 503 then) and the write
 * operations are not accepted.
 *
 * @since 0.1.0
 */
@Endpoint(id = "forker", defaultAccess = Access.READ_ONLY)
public class ForkerEndpoint {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	/**
	 * Time the master takes past {@code forker.upgrade.check-timeout} to answer an
	 * upgrade whose check did not end.
	 */
	private static final Duration UPGRADE_REPLY_GRACE = Duration.ofSeconds(10);

	private final WorkerAgent agent;

	private final Duration upgradeTimeout;

	/**
	 * Create a new instance that waits for the answer to an upgrade as long as the
	 * default {@code forker.upgrade.check-timeout} allows.
	 * @param agent the worker's link to its master
	 */
	public ForkerEndpoint(WorkerAgent agent) {
		this(agent, new ForkerProperties.Upgrade().getCheckTimeout());
	}

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param upgradeCheckTimeout the time the master gives the check of a new version
	 * ({@code forker.upgrade.check-timeout}), after which it answers an upgrade
	 */
	public ForkerEndpoint(WorkerAgent agent, Duration upgradeCheckTimeout) {
		this.agent = agent;
		this.upgradeTimeout = upgradeCheckTimeout.plus(UPGRADE_REPLY_GRACE);
	}

	/**
	 * Return the master and all workers.
	 * @return the status
	 * @throws MasterUnavailableException while the master replaces itself in place
	 */
	@ReadOperation
	public ForkerStatus status() {
		return this.agent.status(TIMEOUT);
	}

	/**
	 * Return the processes of one worker id: one, or two during its rolling restart.
	 * @param id the worker id
	 * @return the worker's processes, or {@code null} (404) for an unknown id
	 * @throws MasterUnavailableException while the master replaces itself in place
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
		ControlMessage.CommandReply reply;
		try {
			reply = this.agent.command(command, workers,
					(command == ControlMessage.Command.UPGRADE) ? this.upgradeTimeout : TIMEOUT);
		}
		catch (MasterUnavailableException ex) {
			return new OperationResult(false, ex.getMessage());
		}
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
