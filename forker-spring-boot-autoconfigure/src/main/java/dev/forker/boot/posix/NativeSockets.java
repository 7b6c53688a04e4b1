package dev.forker.boot.posix;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.util.Arrays;

import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.jspecify.annotations.Nullable;

/**
 * The socket functions the JDK does not expose: the descriptor number of a socket the JDK
 * opened, a JDK channel for a listening socket inherited as a descriptor, and shutting
 * down a listening socket that other processes share.
 *
 * @since 0.1.0
 */
public final class NativeSockets {

	private static final int SOCKADDR_STORAGE_SIZE = 128;

	private static final int SHUT_RD = 0;

	private static final Object adoptLock = new Object();

	private static final Preloaded<NativeSockets> loaded = new Preloaded<>(NativeSockets::load,
			"forker-sockets-loader");

	private final SocketFunctions functions;

	private final POSIX posix;

	private final boolean linux;

	private NativeSockets(SocketFunctions functions, POSIX posix, boolean linux) {
		this.functions = functions;
		this.posix = posix;
		this.linux = linux;
	}

	/**
	 * Return the native socket functions.
	 * @return the socket functions
	 */
	public static NativeSockets get() {
		return loaded.get();
	}

	/**
	 * Start linking the native socket functions on a thread of their own, so that a
	 * worker has them when its web server starts.
	 */
	public static void preload() {
		loaded.preload();
	}

	private static NativeSockets load() {
		return new NativeSockets(
				LibraryLoader.create(SocketFunctions.class)
					.load(Platform.getNativePlatform().getStandardCLibraryName()),
				POSIXFactory.getNativePOSIX(), Platform.getNativePlatform().getOS() == Platform.OS.LINUX);
	}

	/**
	 * Return the descriptor of this process's listening TCP socket bound to {@code port}.
	 * @param port the local port
	 * @return the file descriptor
	 * @throws IOException if there is not exactly one such descriptor
	 */
	public int findListening(int port) throws IOException {
		return find(port, true);
	}

	/**
	 * Return the descriptor of this process's TCP socket bound to {@code port} that does
	 * not listen, such as a port reservation.
	 * @param port the local port
	 * @return the file descriptor
	 * @throws IOException if there is not exactly one such descriptor
	 */
	public int findBound(int port) throws IOException {
		return find(port, false);
	}

	private int find(int port, boolean listening) throws IOException {
		int found = -1;
		for (int fd : PosixProcesses.listDescriptors()) {
			if (fd > 2) {
				InetSocketAddress address = localAddress(fd);
				if (address != null && address.getPort() == port && isListening(fd) == listening) {
					if (found >= 0) {
						throw new IOException(
								"More than one listening socket of this process is bound to port " + port);
					}
					found = fd;
				}
			}
		}
		if (found < 0) {
			throw new IOException("No listening socket of this process is bound to port " + port);
		}
		return found;
	}

	/**
	 * Return a JDK channel for a listening socket known by its descriptor, such as one a
	 * process inherited. The channel works on a duplicate of the descriptor, so closing
	 * it leaves {@code fd} open. Its {@link ServerSocketChannel#getLocalAddress() local
	 * address} is not the socket's: use {@link #localAddress(int)}.
	 * <p>
	 * The JDK offers no channel for an arbitrary descriptor without access to its
	 * internals. This opens an ordinary channel listening on an ephemeral loopback port
	 * (nothing connects there), then replaces its descriptor with a duplicate of
	 * {@code fd} in one {@code dup2}.
	 * @param fd the descriptor of a listening TCP socket
	 * @return a channel that accepts from that socket
	 * @throws IOException if the channel cannot be created
	 */
	public ServerSocketChannel adopt(int fd) throws IOException {
		InetSocketAddress address = localAddress(fd);
		if (address == null || !isListening(fd)) {
			throw new IOException("File descriptor " + fd + " is not a listening TCP socket");
		}
		ProtocolFamily family = (address.getAddress() instanceof Inet6Address) ? StandardProtocolFamily.INET6
				: StandardProtocolFamily.INET;
		synchronized (adoptLock) {
			ServerSocketChannel channel = ServerSocketChannel.open(family);
			try {
				channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
				int placeholder = findListening(((InetSocketAddress) channel.getLocalAddress()).getPort());
				if (this.posix.dup2(fd, placeholder) < 0) {
					throw new IOException(
							"dup2(" + fd + ", " + placeholder + ") failed with errno " + this.posix.errno());
				}
				return channel;
			}
			catch (IOException | RuntimeException ex) {
				channel.close();
				throw ex;
			}
		}
	}

	/**
	 * Stop a listening socket from listening, for every process that shares it: new
	 * connections are refused and those waiting in its queue are reset. Linux only.
	 * @param fd the descriptor of the listening socket
	 * @return whether the socket stopped listening
	 */
	public boolean stopListening(int fd) {
		return this.linux && this.functions.shutdown(fd, SHUT_RD) == 0;
	}

	/**
	 * Make a socket non-blocking, for every process that shares it.
	 * @param fd the descriptor
	 * @return whether it is non-blocking now
	 */
	public boolean setNonBlocking(int fd) {
		int flags = this.posix.fcntl(fd, Fcntl.F_GETFL);
		return flags >= 0 && ((flags & OpenFlags.O_NONBLOCK.intValue()) != 0
				|| this.posix.fcntlInt(fd, Fcntl.F_SETFL, flags | OpenFlags.O_NONBLOCK.intValue()) >= 0);
	}

	/**
	 * Return whether a socket listens.
	 * @param fd the descriptor
	 * @return whether it is a listening socket
	 */
	public boolean isListening(int fd) {
		int[] value = { 0 };
		int[] length = { 4 };
		int level = this.linux ? 1 : 0xffff;
		int option = this.linux ? 30 : 0x0002;
		return this.functions.getsockopt(fd, level, option, value, length) == 0 && value[0] != 0;
	}

	/**
	 * Return the local address of an IPv4 or IPv6 socket.
	 * @param fd the file descriptor
	 * @return the address, or {@code null} if {@code fd} is no such socket
	 */
	public @Nullable InetSocketAddress localAddress(int fd) {
		byte[] address = new byte[SOCKADDR_STORAGE_SIZE];
		int[] length = { address.length };
		if (this.functions.getsockname(fd, address, length) != 0 || length[0] < 8) {
			return null;
		}
		int family = this.linux ? ((address[0] & 0xff) | ((address[1] & 0xff) << 8)) : (address[1] & 0xff);
		// sin_port and sin6_port both sit at offset 2, in network byte order
		int port = ((address[2] & 0xff) << 8) | (address[3] & 0xff);
		try {
			if (family == 2) {
				return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(address, 4, 8)), port);
			}
			if (family == (this.linux ? 10 : 30) || (!this.linux && (family == 28 || family == 24))) {
				return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(address, 8, 24)), port);
			}
		}
		catch (UnknownHostException ex) {
			// not an address
		}
		return null;
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

		/**
		 * {@code int getsockopt(int sockfd, int level, int optname, void *optval,
		 * socklen_t *optlen)}.
		 * @param fd the socket
		 * @param level the level
		 * @param option the option
		 * @param value receives the value
		 * @param length the value length in and out
		 * @return 0 on success
		 */
		int getsockopt(int fd, int level, int option, @Out int[] value, @In @Out int[] length);

		/**
		 * {@code int shutdown(int sockfd, int how)}.
		 * @param fd the socket
		 * @param how what to shut down
		 * @return 0 on success
		 */
		int shutdown(int fd, int how);

	}

}
