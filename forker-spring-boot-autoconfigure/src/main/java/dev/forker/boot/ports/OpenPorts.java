package dev.forker.boot.ports;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.master.MasterListeners;
import dev.forker.boot.posix.NativeSockets;

/**
 * The ports a master holds for its workers, taken before any worker starts: listening
 * sockets it passes down in shared mode, reservations in reuseport mode. A port that
 * cannot be taken fails the start with nothing left behind.
 *
 * @since 0.1.0
 */
public final class OpenPorts implements Closeable {

	private final List<ServedPort> served;

	private final List<Closeable> resources;

	private final List<Integer> descriptors;

	private OpenPorts(List<ServedPort> served, List<Closeable> resources, List<Integer> descriptors) {
		this.served = List.copyOf(served);
		this.resources = List.copyOf(resources);
		this.descriptors = List.copyOf(descriptors);
	}

	/**
	 * Take every planned port.
	 * @param planned the ports
	 * @param mode how workers share them
	 * @param backlog the accept queue length of shared sockets
	 * @return the ports taken
	 */
	public static OpenPorts open(List<PlannedPort> planned, ForkerMode mode, int backlog) {
		List<ServedPort> served = new ArrayList<>();
		List<Closeable> resources = new ArrayList<>();
		List<Integer> descriptors = new ArrayList<>();
		try {
			for (PlannedPort port : planned) {
				if (mode == ForkerMode.SHARED) {
					SharedListenSocket socket = SharedListenSocket.open(port, backlog);
					resources.add(socket);
					descriptors.add(socket.fd());
					served.add(new ServedPort(port.property(), socket.port(), socket.fd()));
				}
				else {
					PortReservation reservation = PortReservation.reserve(port);
					resources.add(reservation);
					descriptors.add(reservation.fd());
					served.add(new ServedPort(port.property(), reservation.port(), null));
				}
			}
			return new OpenPorts(served, resources, descriptors);
		}
		catch (RuntimeException ex) {
			new OpenPorts(served, resources, descriptors).close();
			throw ex;
		}
	}

	/**
	 * Take the listening sockets systemd passed as the shared sockets of the planned
	 * ports, opening none: they stay open, and systemd keeps them across a restart of the
	 * service.
	 * @param planned the ports
	 * @param passed the sockets systemd passed
	 * @param mode how workers share them
	 * @return the ports taken
	 */
	public static OpenPorts passed(List<PlannedPort> planned, PassedSockets passed, ForkerMode mode) {
		List<ServedPort> served = passed.match(planned, mode);
		NativeSockets sockets = NativeSockets.get();
		for (int fd : passed.descriptors()) {
			// Every worker accepts from it, and a sibling may empty the queue first
			sockets.setNonBlocking(fd);
		}
		return new OpenPorts(served, List.of(), passed.descriptors());
	}

	/**
	 * Return the ports, each with the port it got and, in shared mode, the descriptor of
	 * its listening socket in this process.
	 * @return the ports
	 */
	public List<ServedPort> served() {
		return this.served;
	}

	/**
	 * Return the descriptors that hold the ports in this process: what a master that
	 * replaces this JVM with {@code execve} must keep.
	 * @return the descriptors
	 */
	public List<Integer> keptDescriptors() {
		return this.descriptors;
	}

	/**
	 * Return the listeners of a master that holds these ports, in this process or after
	 * {@code execve}. Sockets that systemd passed are left listening when the master
	 * stops: systemd keeps them, and connections wait in their queue for the service's
	 * next start.
	 * @param ports the ports the master serves
	 * @param socketsPassed whether systemd passed the sockets
	 * @return the listeners
	 */
	public static MasterListeners listeners(List<ServedPort> ports, boolean socketsPassed) {
		List<Integer> fds = ports.stream().map(ServedPort::fd).filter((fd) -> fd != null).toList();
		if (fds.isEmpty() || socketsPassed) {
			return MasterListeners.NONE;
		}
		return () -> fds.forEach(NativeSockets.get()::stopListening);
	}

	@Override
	public void close() {
		for (Closeable resource : this.resources) {
			try {
				resource.close();
			}
			catch (Exception ex) {
				// closing anyway
			}
		}
	}

}
