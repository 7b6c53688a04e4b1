package dev.forker.boot.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What a forker master tells a worker it starts, through environment variables (never
 * command-line arguments, which belong to the application).
 *
 * @param workerId the worker id, from 1 to the number of workers
 * @param masterPid the pid of the master
 * @param controlSocket the Unix domain socket of the master's control channel
 * @param token the secret with which the worker introduces itself to the master
 * @param port the port to serve
 * @param socketMode how to obtain the listening socket
 * @param heartbeatInterval how often to send a heartbeat to the master
 * @since 0.1.0
 */
public record WorkerEnvironment(int workerId, long masterPid, Path controlSocket, String token, int port,
		WorkerSocketMode socketMode, Duration heartbeatInterval) {

	/**
	 * Environment variable that carries the worker id and marks a process as a worker.
	 */
	public static final String WORKER_ID = "FORKER_WORKER_ID";

	/**
	 * Environment variable that carries the pid of the master.
	 */
	public static final String MASTER_PID = "FORKER_MASTER_PID";

	/**
	 * Environment variable that carries the path of the master's control socket.
	 */
	public static final String CONTROL_SOCKET = "FORKER_CONTROL_SOCKET";

	/**
	 * Environment variable that carries the worker's control channel token.
	 */
	public static final String CONTROL_TOKEN = "FORKER_CONTROL_TOKEN";

	/**
	 * Environment variable that carries the port the worker serves.
	 */
	public static final String PORT = "FORKER_PORT";

	/**
	 * Environment variable that says how the worker obtains its listening socket.
	 */
	public static final String SOCKET_MODE = "FORKER_SOCKET_MODE";

	/**
	 * Environment variable that carries the heartbeat interval in milliseconds.
	 */
	public static final String HEARTBEAT_INTERVAL = "FORKER_HEARTBEAT_INTERVAL_MILLIS";

	private static final Object NONE = new Object();

	private static volatile @Nullable Object current;

	/**
	 * Return the worker environment of this JVM.
	 * @return the worker environment, or {@code null} when this JVM is not a forker
	 * worker
	 */
	public static @Nullable WorkerEnvironment current() {
		Object value = current;
		if (value == null) {
			WorkerEnvironment environment = from(System.getenv());
			value = (environment != null) ? environment : NONE;
			current = value;
		}
		return (value instanceof WorkerEnvironment environment) ? environment : null;
	}

	/**
	 * Read a worker environment from environment variables.
	 * @param variables the environment variables
	 * @return the worker environment, or {@code null} when the variables do not mark a
	 * worker
	 * @throws IllegalStateException when the variables mark a worker but are incomplete
	 */
	public static @Nullable WorkerEnvironment from(Map<String, String> variables) {
		String id = variables.get(WORKER_ID);
		if (id == null) {
			return null;
		}
		try {
			return new WorkerEnvironment(Integer.parseInt(id), Long.parseLong(require(variables, MASTER_PID)),
					Path.of(require(variables, CONTROL_SOCKET)), require(variables, CONTROL_TOKEN),
					Integer.parseInt(require(variables, PORT)),
					WorkerSocketMode.valueOf(require(variables, SOCKET_MODE)),
					Duration.ofMillis(Long.parseLong(require(variables, HEARTBEAT_INTERVAL))));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Invalid forker worker environment (" + WORKER_ID + "=" + id
					+ "): this process must be started by a forker master", ex);
		}
	}

	private static String require(Map<String, String> variables, String name) {
		String value = variables.get(name);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException(name + " is missing");
		}
		return value;
	}

	/**
	 * Return the environment variables that describe this worker to a new process.
	 * @return the environment variables
	 */
	public Map<String, String> toVariables() {
		return Map.of(WORKER_ID, Integer.toString(this.workerId), MASTER_PID, Long.toString(this.masterPid),
				CONTROL_SOCKET, this.controlSocket.toString(), CONTROL_TOKEN, this.token, PORT,
				Integer.toString(this.port), SOCKET_MODE, this.socketMode.name(), HEARTBEAT_INTERVAL,
				Long.toString(this.heartbeatInterval.toMillis()));
	}

	/**
	 * Return a short name of this worker for logs, such as {@code worker-2}.
	 * @return the name
	 */
	public String name() {
		return "worker-" + this.workerId;
	}

	@Override
	public String toString() {
		return name() + " of master " + this.masterPid;
	}

}
