package dev.forker.boot.control;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.jspecify.annotations.Nullable;

/**
 * A message on the control channel between a master and its workers.
 *
 * @since 0.1.0
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = ControlMessage.Hello.class, name = "hello"),
		@JsonSubTypes.Type(value = ControlMessage.Ready.class, name = "ready"),
		@JsonSubTypes.Type(value = ControlMessage.StartupFailed.class, name = "startup-failed"),
		@JsonSubTypes.Type(value = ControlMessage.Heartbeat.class, name = "heartbeat"),
		@JsonSubTypes.Type(value = ControlMessage.HeartbeatAck.class, name = "heartbeat-ack"),
		@JsonSubTypes.Type(value = ControlMessage.StatusRequest.class, name = "status-request"),
		@JsonSubTypes.Type(value = ControlMessage.StatusReply.class, name = "status-reply"),
		@JsonSubTypes.Type(value = ControlMessage.CommandRequest.class, name = "command-request"),
		@JsonSubTypes.Type(value = ControlMessage.CommandReply.class, name = "command-reply"),
		@JsonSubTypes.Type(value = ControlMessage.DatabaseTurnRequest.class, name = "database-turn-request"),
		@JsonSubTypes.Type(value = ControlMessage.DatabaseTurnReply.class, name = "database-turn-reply"),
		@JsonSubTypes.Type(value = ControlMessage.DatabaseInitialized.class, name = "database-initialized"),
		@JsonSubTypes.Type(value = ControlMessage.RoleGranted.class, name = "role-granted"),
		@JsonSubTypes.Type(value = ControlMessage.RoleRevoked.class, name = "role-revoked"),
		@JsonSubTypes.Type(value = ControlMessage.RoleReleased.class, name = "role-released"),
		@JsonSubTypes.Type(value = ControlMessage.MasterReplacing.class, name = "master-replacing"),
		@JsonSubTypes.Type(value = ControlMessage.ReadyForNewMaster.class, name = "ready-for-new-master") })
public sealed interface ControlMessage {

	/**
	 * First message of a worker: who it is, proven by the token its master gave it.
	 *
	 * @param workerId the worker id
	 * @param pid the worker's pid
	 * @param token the token from the worker's environment
	 */
	record Hello(int workerId, long pid, String token) implements ControlMessage {

		@Override
		public String toString() {
			return "Hello[workerId=" + this.workerId + ", pid=" + this.pid + "]";
		}

	}

	/**
	 * The worker's web server is serving and the application is ready.
	 */
	record Ready() implements ControlMessage {

	}

	/**
	 * The master is about to replace itself in place (same pid): the link closes, and the
	 * worker keeps serving and connects to the new master, instead of stopping.
	 */
	record MasterReplacing() implements ControlMessage {

	}

	/**
	 * The answer to {@link MasterReplacing}: the worker expects the link to close and
	 * will connect to the new master.
	 */
	record ReadyForNewMaster() implements ControlMessage {

	}

	/**
	 * The worker's application failed to start; the worker exits next. A worker sends it
	 * once with the root cause, and again with Spring Boot's failure analysis when one
	 * applies.
	 *
	 * @param reason a one-line description of the failure
	 * @param description the description of Spring Boot's failure analysis, or
	 * {@code null}
	 * @param action the action of Spring Boot's failure analysis, or {@code null}
	 */
	record StartupFailed(String reason, @Nullable String description,
			@Nullable String action) implements ControlMessage {

	}

	/**
	 * A worker is alive: sent at a fixed interval.
	 *
	 * @param health the worker's own health status, such as {@code UP}
	 * @param requests the number of requests the worker has handled
	 * @param connections the connections the worker holds open, over all its ports
	 */
	record Heartbeat(String health, long requests, int connections) implements ControlMessage {

	}

	/**
	 * The master's answer to a heartbeat: how many workers it wants and how many are
	 * ready.
	 *
	 * @param configuredWorkers the number of workers the master keeps running
	 * @param readyWorkers the number of workers that are ready
	 */
	record HeartbeatAck(int configuredWorkers, int readyWorkers) implements ControlMessage {

	}

	/**
	 * A worker asks for the master's view of all workers.
	 *
	 * @param requestId the id the reply carries
	 */
	record StatusRequest(long requestId) implements ControlMessage {

	}

	/**
	 * The master's view of all workers, or one part of it: a status of many workers is
	 * split into parts that each fit in one message, every part with the master and some
	 * of the workers.
	 *
	 * @param requestId the id of the request
	 * @param status the status, or this part of it
	 * @param part the number of this part, from 1
	 * @param parts the number of parts
	 */
	record StatusReply(long requestId, ForkerStatus status, int part, int parts) implements ControlMessage {

	}

	/**
	 * A worker relays an operator's command to the master.
	 *
	 * @param requestId the id the reply carries
	 * @param command the command
	 * @param workers the number of workers, for {@link Command#SCALE}
	 */
	record CommandRequest(long requestId, Command command, @Nullable Integer workers) implements ControlMessage {

	}

	/**
	 * The master's answer to a command.
	 *
	 * @param requestId the id of the request
	 * @param accepted whether the master carries the command out
	 * @param message what the master does, or why it refuses
	 */
	record CommandReply(long requestId, boolean accepted, String message) implements ControlMessage {

	}

	/**
	 * A worker asks, before its application context is created, whether it initializes
	 * the database (runs {@code spring.sql.init} scripts and migrations first) or follows
	 * the worker that does.
	 *
	 * @param requestId the id the reply carries
	 */
	record DatabaseTurnRequest(long requestId) implements ControlMessage {

	}

	/**
	 * The master's answer to a {@link DatabaseTurnRequest}.
	 *
	 * @param requestId the id of the request
	 * @param initialize whether this worker initializes the database: the first worker of
	 * a deployment or of a rolling restart
	 * @param initialized whether the database has been initialized already, so that the
	 * worker need not wait
	 */
	record DatabaseTurnReply(long requestId, boolean initialize, boolean initialized) implements ControlMessage {

	}

	/**
	 * From the worker that initializes the database: its initializers have run. From the
	 * master to every worker: the workers that wait for it may go on.
	 */
	record DatabaseInitialized() implements ControlMessage {

	}

	/**
	 * The master gives a worker a role.
	 *
	 * @param role the name of the role, such as {@code SCHEDULER}
	 */
	record RoleGranted(String role) implements ControlMessage {

	}

	/**
	 * The master takes a role back from a worker, which answers with {@link RoleReleased}
	 * once the work of the role has stopped.
	 *
	 * @param role the role
	 */
	record RoleRevoked(String role) implements ControlMessage {

	}

	/**
	 * A worker has stopped the work of a role the master took back: the master may give
	 * the role to another worker.
	 *
	 * @param role the role
	 */
	record RoleReleased(String role) implements ControlMessage {

	}

	/**
	 * }
	 *
	 * }
	 *
	 * /**
	 *
	 * }
	 *
	 * /** What an operator can ask a master to do.
	 */
	enum Command {

		/**
		 * Replace every worker, one at a time, each after its replacement is ready.
		 */
		ROLLING_RESTART,

		/**
		 * Set the number of workers.
		 */
		SCALE,

		/**
		 * Replace the master in place with the version on disk, keeping the workers and
		 * the sockets, then replace every worker.
		 */
		UPGRADE

	}

}
