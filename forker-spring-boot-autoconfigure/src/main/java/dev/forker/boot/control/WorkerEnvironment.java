package dev.forker.boot.control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * What a forker master tells a worker it starts, through environment variables (never
 * command-line arguments, which belong to the application).
 *
 * @param workerId the worker id, from 1 to the number of workers
 * @param masterPid the pid of the master
 * @param controlSocket the Unix domain socket of the master's control channel
 * @param token the secret with which the worker introduces itself to the master
 * @param socketMode how to obtain the listening sockets
 * @param ports the ports the worker serves
 * @param heartbeatInterval how often to send a heartbeat to the master
 * @param logSocket the Unix domain socket to which the worker forwards what it writes to
 * log files, or {@code null} when the master writes no log file
 * @since 0.1.0
 */
public record WorkerEnvironment(int workerId, long masterPid, Path controlSocket, String token,
		WorkerSocketMode socketMode, List<ServedPort> ports, Duration heartbeatInterval, @Nullable Path logSocket) {

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
	 * Environment variable that says how the worker obtains its listening sockets.
	 */
	public static final String SOCKET_MODE = "FORKER_SOCKET_MODE";

	/**
	 * Environment variable that lists the ports the worker serves, see
	 * {@link ServedPort#format(List)}.
	 */
	public static final String PORTS = "FORKER_PORTS";

	/**
	 * Environment variable that carries the heartbeat interval in milliseconds.
	 */
	public static final String HEARTBEAT_INTERVAL = "FORKER_HEARTBEAT_INTERVAL_MILLIS";

	/**
	 * Environment variable that carries the path of the master's log socket.
	 */
	public static final String LOG_SOCKET = "FORKER_LOG_SOCKET";

	/**
	 * Every variable that describes a worker.
	 */
	public static final Set<String> VARIABLES = Set.of(WORKER_ID, MASTER_PID, CONTROL_SOCKET, CONTROL_TOKEN,
			SOCKET_MODE, PORTS, HEARTBEAT_INTERVAL, LOG_SOCKET);

	/**
	 * Start of the file name of a worker's metrics socket.
	 */
	public static final String METRICS_SOCKET_PREFIX = "metrics-";

	/**
	 * End of the file name of a worker's metrics socket.
	 */
	public static final String METRICS_SOCKET_SUFFIX = ".sock";

	private static final Object NONE = new Object();

	private static volatile @Nullable Object current;

	public WorkerEnvironment {
		ports = List.copyOf(ports);
	}

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
			String logSocket = variables.get(LOG_SOCKET);
			return new WorkerEnvironment(Integer.parseInt(id), Long.parseLong(require(variables, MASTER_PID)),
					Path.of(require(variables, CONTROL_SOCKET)), require(variables, CONTROL_TOKEN),
					WorkerSocketMode.valueOf(require(variables, SOCKET_MODE)),
					ServedPort.parse(require(variables, PORTS)),
					Duration.ofMillis(Long.parseLong(require(variables, HEARTBEAT_INTERVAL))),
					(logSocket != null && !logSocket.isEmpty()) ? Path.of(logSocket) : null);
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
		Map<String, String> variables = new LinkedHashMap<>();
		variables.put(WORKER_ID, Integer.toString(this.workerId));
		variables.put(MASTER_PID, Long.toString(this.masterPid));
		variables.put(CONTROL_SOCKET, this.controlSocket.toString());
		variables.put(CONTROL_TOKEN, this.token);
		variables.put(SOCKET_MODE, this.socketMode.name());
		variables.put(PORTS, ServedPort.format(this.ports));
		variables.put(HEARTBEAT_INTERVAL, Long.toString(this.heartbeatInterval.toMillis()));
		if (this.logSocket != null) {
			variables.put(LOG_SOCKET, this.logSocket.toString());
		}
		return variables;
	}

	/**
	 * Return the port that a property configures.
	 * @param property the property, such as {@code server.port}
	 * @return the served port, or {@code null}
	 */
	public @Nullable ServedPort port(String property) {
		return this.ports.stream().filter((port) -> port.property().equals(property)).findFirst().orElse(null);
	}

	/**
	 * Return the served port with the given number.
	 * @param port the port number
	 * @return the served port, or {@code null} if this worker serves no such port
	 */
	public @Nullable ServedPort port(int port) {
		return this.ports.stream().filter((served) -> served.port() == port).findFirst().orElse(null);
	}

	/**
	 * Return the Unix domain socket on which a worker process of this master serves its
	 * own metrics to its siblings.
	 * @param pid the pid of the worker process
	 * @return the socket path, in the master's private control directory
	 */
	public Path metricsSocket(long pid) {
		return metricsSocket(this.controlSocket, pid);
	}

	/**
	 * Return the Unix domain socket on which a worker process serves its own metrics to
	 * its siblings: a file in the master's private control directory (mode {@code 0700}),
	 * named by the worker's pid.
	 * @param controlSocket the master's control socket
	 * @param pid the pid of the worker process
	 * @return the socket path
	 */
	public static Path metricsSocket(Path controlSocket, long pid) {
		Path directory = controlSocket.toAbsolutePath().getParent();
		return directory.resolve(METRICS_SOCKET_PREFIX + pid + METRICS_SOCKET_SUFFIX);
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

	/**
	 * Forget the cached environment of this JVM, for tests.
	 */
	static void reset() {
		current = null;
	}

}
