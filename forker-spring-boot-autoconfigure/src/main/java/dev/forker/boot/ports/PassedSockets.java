package dev.forker.boot.ports;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

/**
 * The listening sockets a socket activator passed to this process, as systemd does for a
 * service with a {@code .socket} unit ({@code sd_listen_fds(3)}): descriptors from 3 on,
 * counted by {@code LISTEN_FDS}, meant for the process whose pid is {@code LISTEN_PID},
 * optionally named by {@code LISTEN_FDNAMES}. A master that has them serves them instead
 * of opening sockets of its own, so the socket, and the connections waiting in its queue,
 * outlive a restart of the whole service.
 *
 * @param sockets the passed sockets, in descriptor order
 * @since 0.1.0
 */
public record PassedSockets(List<Passed> sockets) {

	static final String LISTEN_FDS = "LISTEN_FDS";

	static final String LISTEN_PID = "LISTEN_PID";

	static final String LISTEN_FDNAMES = "LISTEN_FDNAMES";

	/**
	 * The variables of socket activation, which are for the master only: a worker or any
	 * other child must not take them for its own.
	 */
	public static final List<String> VARIABLES = List.of(LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES);

	static final int FIRST_FD = 3;

	/**
	 * Return the sockets passed to this process, if any.
	 * @param environment the process's environment
	 * @param pid the process's pid
	 * @param addresses the local address of a listening TCP socket by descriptor,
	 * {@code null} for a descriptor that is no such socket
	 * @return the sockets, or {@code null} when none were passed to this process
	 */
	public static @Nullable PassedSockets of(Map<String, String> environment, long pid,
			IntFunction<@Nullable InetSocketAddress> addresses) {
		String count = environment.get(LISTEN_FDS);
		String listenPid = environment.get(LISTEN_PID);
		if (count == null || listenPid == null || !listenPid.trim().equals(Long.toString(pid))) {
			return null;
		}
		int fds;
		try {
			fds = Integer.parseInt(count.trim());
		}
		catch (NumberFormatException ex) {
			return null;
		}
		if (fds <= 0) {
			return null;
		}
		String[] names = environment.getOrDefault(LISTEN_FDNAMES, "").split(":", -1);
		List<Passed> sockets = new ArrayList<>();
		for (int i = 0; i < fds; i++) {
			int fd = FIRST_FD + i;
			String name = (i < names.length && !names[i].isEmpty()) ? names[i] : null;
			InetSocketAddress address = addresses.apply(fd);
			if (address == null) {
				throw new InvalidForkerPropertyException(LISTEN_FDS, count,
						"descriptor " + fd + ((name != null) ? " (" + name + ")" : "")
								+ " passed by systemd is no listening TCP socket",
						"Pass only TCP sockets to a forker master: ListenStream= with an address and port in the "
								+ ".socket unit, without Accept=yes.");
			}
			sockets.add(new Passed(fd, name, address));
		}
		return new PassedSockets(sockets);
	}

	/**
	 * Match the passed sockets to the ports the application serves: a socket named after
	 * a port's property ({@code FileDescriptorName=server.port}) serves that port, any
	 * other the port with its number (and address, when the property sets one).
	 * @param planned the ports the application serves
	 * @param mode how workers share them
	 * @return the ports, each with the descriptor of its passed socket
	 * @throws InvalidForkerPropertyException if a socket serves no port, or a port has no
	 * socket
	 */
	public List<ServedPort> match(List<PlannedPort> planned, ForkerMode mode) {
		if (mode != ForkerMode.SHARED) {
			throw new InvalidForkerPropertyException("forker.mode", mode.name().toLowerCase(Locale.ROOT),
					"systemd passed listening sockets (" + describe() + "), which only shared mode can serve",
					"Set forker.mode=shared, or start the service without its .socket unit.");
		}
		Passed[] assigned = new Passed[planned.size()];
		for (Passed socket : this.sockets) {
			int index = indexOf(planned, assigned, socket);
			if (index < 0) {
				PlannedPort server = planned.get(0);
				throw new InvalidForkerPropertyException(server.property(), server.port(),
						"systemd passed a listening socket on " + format(socket.address()) + " (fd " + socket.fd()
								+ ((socket.name() != null) ? ", named " + socket.name() : "")
								+ ") that matches no port this application serves (" + describe(planned) + ")",
						"Set " + server.property() + " (or the property of another port) to "
								+ socket.address().getPort() + ", the port in the .socket unit's ListenStream=, or "
								+ "name the socket after its property with FileDescriptorName=" + server.property()
								+ ".");
			}
			assigned[index] = socket;
		}
		List<ServedPort> served = new ArrayList<>();
		for (int i = 0; i < planned.size(); i++) {
			PlannedPort port = planned.get(i);
			Passed socket = assigned[i];
			if (socket == null) {
				throw new InvalidForkerPropertyException(port.property(), port.port(),
						"systemd passed listening sockets (" + describe() + "), but none for this port",
						"Add a ListenStream= for " + format(port.socketAddress()) + " to the .socket unit (named with "
								+ "FileDescriptorName=" + port.property() + " if its port differs), or set "
								+ port.property() + " to the port of a passed socket.");
			}
			served.add(new ServedPort(port.property(), socket.address().getPort(), socket.fd()));
		}
		return served;
	}

	private static int indexOf(List<PlannedPort> planned, Passed[] assigned, Passed socket) {
		if (socket.name() != null) {
			for (int i = 0; i < planned.size(); i++) {
				if (assigned[i] == null && planned.get(i).property().equals(socket.name())) {
					return i;
				}
			}
		}
		for (int i = 0; i < planned.size(); i++) {
			PlannedPort port = planned.get(i);
			if (assigned[i] == null && port.port() == socket.address().getPort() && (port.address() == null
					|| port.address().isAnyLocalAddress() || port.address().equals(socket.address().getAddress()))) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * Return the descriptors of the passed sockets.
	 * @return the descriptors
	 */
	List<Integer> descriptors() {
		return this.sockets.stream().map(Passed::fd).toList();
	}

	/**
	 * Describe the passed sockets for a log line or a message.
	 * @return the description
	 */
	public String describe() {
		return LISTEN_FDS + "=" + this.sockets.size() + ": "
				+ this.sockets.stream()
					.map((socket) -> format(socket.address()) + " (fd " + socket.fd()
							+ ((socket.name() != null) ? ", " + socket.name() : "") + ")")
					.collect(Collectors.joining(", "));
	}

	private static String describe(List<PlannedPort> planned) {
		return planned.stream().map((port) -> port.property() + "=" + port.port()).collect(Collectors.joining(", "));
	}

	private static String format(InetSocketAddress address) {
		String host = (address.getAddress() != null) ? address.getAddress().getHostAddress() : "*";
		return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
	}

	/**
	 * A passed socket.
	 *
	 * @param fd its descriptor
	 * @param name its name in {@code LISTEN_FDNAMES}, or {@code null}
	 * @param address its local address
	 */
	public record Passed(int fd, @Nullable String name, InetSocketAddress address) {

	}

}
