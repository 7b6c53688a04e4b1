package dev.forker.boot.master;

import java.io.IOException;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Finds the file descriptor of a listening socket the JDK opened: the JDK does not expose
 * it, but {@code getsockname} on this process's descriptors tells which one listens on a
 * given port.
 *
 * @since 0.1.0
 */
final class NativeSockets {

	private static final int SOCKADDR_STORAGE_SIZE = 128;

	private final SocketFunctions functions;

	private NativeSockets(SocketFunctions functions) {
		this.functions = functions;
	}

	static NativeSockets load() {
		return new NativeSockets(LibraryLoader.create(SocketFunctions.class)
			.load(Platform.getNativePlatform().getStandardCLibraryName()));
	}

	/**
	 * Return the descriptor of this process's TCP socket bound to {@code port}.
	 * @param port the local port
	 * @return the file descriptor
	 * @throws IOException if there is not exactly one such descriptor
	 */
	int findBoundTo(int port) throws IOException {
		int found = -1;
		for (int fd : PosixProcesses.openFileDescriptors()) {
			if (fd > 2 && localPort(fd) == port) {
				if (found >= 0) {
					throw new IOException("More than one socket of this process is bound to port " + port);
				}
				found = fd;
			}
		}
		if (found < 0) {
			throw new IOException("No socket of this process is bound to port " + port);
		}
		return found;
	}

	/**
	 * Return the local port of an IPv4 or IPv6 socket.
	 * @param fd the file descriptor
	 * @return the port, or -1 if {@code fd} is no such socket
	 */
	int localPort(int fd) {
		byte[] address = new byte[SOCKADDR_STORAGE_SIZE];
		int[] length = { address.length };
		if (this.functions.getsockname(fd, address, length) != 0 || length[0] < 4 || !isInet(address)) {
			return -1;
		}
		// sin_port and sin6_port both sit at offset 2, in network byte order
		return ((address[2] & 0xff) << 8) | (address[3] & 0xff);
	}

	private static boolean isInet(byte[] address) {
		// Linux: a 16-bit family in native (little-endian) order; BSD and macOS: a length
		// byte, then an 8-bit family
		int linuxFamily = (address[0] & 0xff) | ((address[1] & 0xff) << 8);
		int bsdFamily = address[1] & 0xff;
		return (Platform.getNativePlatform().getOS() == Platform.OS.LINUX) ? (linuxFamily == 2 || linuxFamily == 10)
				: (bsdFamily == 2 || bsdFamily == 30 || bsdFamily == 28 || bsdFamily == 24);
	}

	/**
	 * The C library functions used here.
	 */
	public interface SocketFunctions {

		/**
		 * {@code int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen)}.
		 * @param fd the socket
		 * @param address receives the address
		 * @param length the buffer length in, the address length out
		 * @return 0 on success
		 */
		int getsockname(int fd, @Out byte[] address, @In @Out int[] length);

	}

}
