package dev.forker.boot.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
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
		Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		Files.writeString(file, mapper.writeValueAsString(this), StandardCharsets.UTF_8);
	}

	/**
	 * Read the state a variable names, deleting its file.
	 * @param variable the variable
	 * @return the state, or {@code null} when the variable is not set
	 */
	static @Nullable UpgradeState read(String variable) {
		String file = System.getenv(variable);
		if (file == null || file.isEmpty()) {
			return null;
		}
		Path path = Path.of(file);
		try {
			UpgradeState state = mapper.readValue(Files.readString(path, StandardCharsets.UTF_8), UpgradeState.class);
			Files.deleteIfExists(path);
			return state;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the state of the replaced forker master from " + path, ex);
		}
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
