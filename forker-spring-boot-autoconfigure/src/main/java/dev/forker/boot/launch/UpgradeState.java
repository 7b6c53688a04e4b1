package dev.forker.boot.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.posix.NativeSockets;
import dev.forker.boot.ports.PassedSockets;

/**
 * What a master that replaces itself in place hands to the new version: its private
 * directory (where the workers reconnect), its listening sockets (descriptors that stay
 * open across {@code execve}) and its workers, by pid and token. It is written to a file
 * only its user can read, in the master's private directory, and deleted once read.
 *
 * @param directory the master's private directory
 * @param sockets the listening sockets, by the property of their port
 * @param socketsPassed whether systemd passed the sockets to the first master
 * @param workers the running workers
 * @since 0.1.0
 */
record UpgradeState(Path directory, List<Socket> sockets, boolean socketsPassed,
		List<WorkerProcesses.Started> workers) {

	/**
	 * Variable that names the state file of a master that replaced itself.
	 */
	static final String VARIABLE = "FORKER_UPGRADE_STATE";

	/**
	 * Variable that names the state file of a check of the new version: the check reads
	 * and validates the configuration, matches the ports to the sockets, and exits.
	 */
	static final String CHECK_VARIABLE = "FORKER_UPGRADE_CHECK";

	static final List<String> VARIABLES = List.of(VARIABLE, CHECK_VARIABLE);

	private static final JsonMapper mapper = JsonMapper.builder().build();

	private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");

	static UpgradeState of(MasterConfig config, List<WorkerProcesses.Started> workers) {
		List<Socket> sockets = new ArrayList<>();
		for (ServedPort port : config.ports()) {
			Integer fd = port.fd();
			if (fd != null) {
				InetSocketAddress address = NativeSockets.get().localAddress(fd);
				String host = (address != null) ? address.getAddress().getHostAddress() : "0.0.0.0";
				sockets.add(new Socket(fd, port.property(), host, port.port()));
			}
		}
		return new UpgradeState(config.directory(), sockets, config.socketsPassed(), workers);
	}

	/**
	 * Write this state to a new file that only this user can read.
	 * @param file the file
	 * @throws IOException if it cannot be written
	 */
	void write(Path file) throws IOException {
		Files.deleteIfExists(file);
		Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE));
		Files.writeString(file, mapper.writeValueAsString(this), StandardCharsets.UTF_8);
	}

	/**
	 * Read the state a variable names, deleting its file.
	 * @param variable the variable
	 * @return the state, or {@code null} when the variable is not set
	 * @throws IllegalStateException if the file is not a state this user's master wrote
	 */
	static @Nullable UpgradeState read(String variable) {
		String file = System.getenv(variable);
		if (file == null || file.isEmpty()) {
			return null;
		}
		return read(variable, Path.of(file));
	}

	/**
	 * Read a state file, deleting it. The file must be a regular file of this user that
	 * no one else can read or write, as {@link #write(Path)} creates it: the new master
	 * takes the listening sockets and signals the workers it names.
	 * @param variable the variable that named the file
	 * @param path the file
	 * @return the state
	 * @throws IllegalStateException if the file is not a state this user's master wrote
	 */
	static UpgradeState read(String variable, Path path) {
		try {
			String problem = problem(path);
			if (problem != null) {
				throw refused(variable, path, problem);
			}
			UpgradeState state;
			try {
				state = mapper.readValue(Files.readString(path, StandardCharsets.UTF_8), UpgradeState.class);
			}
			catch (JacksonException ex) {
				IllegalStateException refused = refused(variable, path,
						"is no forker master state (not the JSON a forker master writes)");
				refused.initCause(ex);
				throw refused;
			}
			if (state.directory() == null || state.sockets() == null || state.workers() == null) {
				throw refused(variable, path, "is no forker master state (directory, sockets or workers missing)");
			}
			Files.deleteIfExists(path);
			return state;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the state of the replaced forker master from " + path
					+ " (named by " + variable + "): " + ex.getMessage(), ex);
		}
	}

	private static @Nullable String problem(Path path) throws IOException {
		if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
			return Files.isSymbolicLink(path) ? "is a symbolic link" : "is not a regular file";
		}
		Object owner = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
		int uid = POSIXFactory.getNativePOSIX().getuid();
		if (!(owner instanceof Integer ownerUid) || ownerUid != uid) {
			return "belongs to another user (uid " + owner + ", this is uid " + uid + ")";
		}
		Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
		if (!PRIVATE.containsAll(permissions)) {
			return "can be read or written by others (mode " + PosixFilePermissions.toString(permissions) + ")";
		}
		return null;
	}

	private static IllegalStateException refused(String variable, Path path, String problem) {
		return new IllegalStateException("Refused the state of the replaced forker master in " + path
				+ " (named by the environment variable " + variable + "): the file " + problem
				+ ". A forker master writes it with mode 600 in its private directory and sets " + variable
				+ " only for the version that replaces it: do not set " + variable
				+ " yourself, and start the deployment again.");
	}

	/**
	 * Return the sockets as sockets passed to this process.
	 * @return the sockets
	 */
	PassedSockets passedSockets() {
		List<PassedSockets.Passed> passed = new ArrayList<>();
		for (Socket socket : this.sockets) {
			passed.add(new PassedSockets.Passed(socket.fd(), socket.property(), socket.address()));
		}
		return new PassedSockets(passed);
	}

	/**
	 * Return the workers, started now as far as the new master's deadlines go.
	 * @return the workers
	 */
	List<WorkerProcesses.Started> adoptedWorkers() {
		Instant now = Instant.now();
		return this.workers.stream()
			.map((worker) -> new WorkerProcesses.Started(worker.workerId(), worker.pid(), worker.token(), now))
			.toList();
	}

	/**
	 * A listening socket that stays open across {@code execve}.
	 *
	 * @param fd its descriptor
	 * @param property the property of its port
	 * @param host its address
	 * @param port its port
	 */
	record Socket(int fd, String property, String host, int port) {

		InetSocketAddress address() {
			try {
				return new InetSocketAddress(InetAddress.getByName(this.host), this.port);
			}
			catch (UnknownHostException ex) {
				return new InetSocketAddress(this.port);
			}
		}

	}

}
