package dev.forker.boot.control;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The master's end of the control channel: a Unix domain socket in a fresh directory that
 * only the owner can enter, served by the master's single thread with a selector, so that
 * no peer can block the master. Its {@link PeerLimits limits} keep any number of
 * misbehaving peers from exhausting the master: anonymous connections (not yet introduced
 * as a worker) are bounded in number and in time, buffers exist only while a partial
 * message is kept, output to a peer that does not read is bounded, and a failing
 * {@code accept} (no file descriptors left) backs off instead of spinning.
 *
 * @since 0.1.0
 */
public final class ControlServer implements Closeable {

	private static final Log logger = LogFactory.getLog(ControlServer.class);

	private final Path directory;

	private final Path socketPath;

	private final ServerSocketChannel server;

	private final SelectionKey serverKey;

	private final Selector selector;

	private Handler handler = new Handler() {

		@Override
		public void onMessage(ControlLink link, ControlMessage message) {
			link.close();
		}

		@Override
		public void onClosed(ControlLink link) {
		}

	};

	private final ControlCodec codec = new ControlCodec();

	private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);

	private final List<ControlConnection> connections = new ArrayList<>();

	private final PeerLimits limits = new PeerLimits();

	private ControlServer(Path directory, Path socketPath, ServerSocketChannel server, SelectionKey serverKey,
			Selector selector) {
		this.directory = directory;
		this.socketPath = socketPath;
		this.server = server;
		this.serverKey = serverKey;
		this.selector = selector;
	}

	/**
	 * Open a control socket in a new directory that only this user can enter.
	 * @return the server
	 * @throws IOException if the socket cannot be opened
	 */
	public static ControlServer open() throws IOException {
		return open(createDirectory());
	}

	/**
	 * Create a directory that only this user can enter, for a master's sockets.
	 * @return the directory
	 * @throws IOException if it cannot be created
	 */
	public static Path createDirectory() throws IOException {
		return Files.createTempDirectory("forker-",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
	}

	/**
	 * Return the path of the control socket in a master's directory.
	 * @param directory the directory
	 * @return the socket path
	 */
	public static Path socketPath(Path directory) {
		return directory.resolve("control.sock");
	}

	/**
	 * Open a control socket in a directory that {@link #createDirectory()} created.
	 * @param directory the directory
	 * @return the server
	 * @throws IOException if the socket cannot be opened
	 */
	public static ControlServer open(Path directory) throws IOException {
		Path socketPath = socketPath(directory);
		ServerSocketChannel server = null;
		Selector selector = null;
		try {
			server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
			server.bind(UnixDomainSocketAddress.of(socketPath));
			server.configureBlocking(false);
			selector = Selector.open();
			SelectionKey serverKey = server.register(selector, SelectionKey.OP_ACCEPT);
			return new ControlServer(directory, socketPath, server, serverKey, selector);
		}
		catch (IOException | RuntimeException ex) {
			closeQuietly(selector);
			closeQuietly(server);
			Files.deleteIfExists(socketPath);
			Files.deleteIfExists(directory);
			throw ex;
		}
	}

	/**
	 * Set what receives the messages, on the thread that calls {@link #poll(long)}. Until
	 * then, every message closes its connection.
	 * @param handler the handler
	 */
	public void handler(Handler handler) {
		this.handler = handler;
	}

	/**
	 * Return the path of the control socket.
	 * @return the socket path
	 */
	public Path socketPath() {
		return this.socketPath;
	}

	/**
	 * Return the private directory the control socket lives in.
	 * @return the directory
	 */
	public Path directory() {
		return this.directory;
	}

	/**
	 * Wake up a thread blocked in {@link #poll(long)}. Safe to call from any thread.
	 */
	public void wakeup() {
		this.selector.wakeup();
	}

	/**
	 * Serve the control socket until something happened or the timeout passed.
	 * @param timeoutMillis the longest wait, 0 for none
	 * @throws IOException if the selector fails
	 */
	public void poll(long timeoutMillis) throws IOException {
		timeoutMillis = this.limits.pollTimeout(timeoutMillis, System.nanoTime());
		if (timeoutMillis <= 0) {
			this.selector.selectNow(this::handle);
		}
		else {
			this.selector.select(this::handle, timeoutMillis);
		}
		long now = System.nanoTime();
		this.limits.resumeAccepting(now, this.serverKey);
		List<ControlConnection> silent = this.limits.silent(this.connections, now);
		silent.forEach(this::close);
		this.limits.reportRejections(now);
	}

	private void handle(SelectionKey key) {
		if (key.channel() == this.server) {
			accept();
			return;
		}
		ControlConnection connection = (ControlConnection) key.attachment();
		try {
			if (key.isValid() && key.isReadable()) {
				read(connection);
			}
			if (key.isValid() && key.isWritable()) {
				connection.flush();
			}
		}
		catch (IOException | CancelledKeyException ex) {
			logger.debug("Closing " + connection + " after an I/O failure", ex);
			close(connection);
		}
		catch (RuntimeException ex) {
			logger.error("Closing " + connection + " after an unexpected failure", ex);
			close(connection);
		}
	}

	private void accept() {
		SocketChannel channel;
		try {
			channel = this.server.accept();
			this.limits.accepted();
		}
		catch (IOException ex) {
			this.limits.backOffAccepting(ex, this.serverKey);
			return;
		}
		if (channel == null) {
			return;
		}
		if (!this.limits.admit()) {
			closeQuietly(channel);
			return;
		}
		try {
			channel.configureBlocking(false);
			SelectionKey key = channel.register(this.selector, SelectionKey.OP_READ);
			ControlConnection connection = new ControlConnection(this, channel, key, System.nanoTime());
			key.attach(connection);
			this.connections.add(connection);
		}
		catch (IOException ex) {
			logger.debug("Could not serve a new control connection", ex);
			this.limits.anonymousClosed();
			closeQuietly(channel);
		}
	}

	private void read(ControlConnection connection) throws IOException {
		this.readBuffer.clear();
		int read = connection.channel().read(this.readBuffer);
		if (read < 0) {
			close(connection);
			return;
		}
		this.readBuffer.flip();
		connection.framer().feed(this.readBuffer, new LineFramer.Handler() {

			@Override
			public void line(byte[] bytes, int offset, int length) {
				if (!connection.isClosed()) {
					receive(connection, bytes, offset, length);
				}
			}

			@Override
			public void oversized(int limit) {
				if (!connection.isClosed()) {
					reject(connection, "a message longer than " + limit + " bytes");
				}
			}

		});
	}

	private void receive(ControlConnection connection, byte[] bytes, int offset, int length) {
		ControlMessage message;
		try {
			message = this.codec.decode(bytes, offset, length);
		}
		catch (InvalidControlMessageException ex) {
			reject(connection, "an invalid message (" + ex.getMessage() + ")");
			return;
		}
		try {
			this.handler.onMessage(connection, message);
		}
		catch (RuntimeException ex) {
			logger.error("Failed to handle " + message + " from " + connection, ex);
		}
	}

	void introduced(ControlConnection connection) {
		if (this.connections.contains(connection)) {
			this.limits.anonymousClosed();
		}
	}

	private void reject(ControlConnection connection, String what) {
		if (connection.isIntroduced()) {
			logger.warn("Ignored " + what + " on the " + connection);
		}
		else {
			logger.warn("Closed an anonymous control connection that sent " + what);
			close(connection);
		}
	}

	void send(ControlConnection connection, ControlMessage message) {
		if (connection.isClosed()) {
			return;
		}
		try {
			if (!connection.write(this.codec.encode(message))) {
				logger.warn("Closing " + connection + ": its peer does not read what the master sends");
				close(connection);
			}
		}
		catch (IOException | CancelledKeyException ex) {
			logger.debug("Closing " + connection + " after a write failure", ex);
			close(connection);
		}
	}

	void close(ControlConnection connection) {
		if (this.connections.remove(connection)) {
			if (!connection.isIntroduced()) {
				this.limits.anonymousClosed();
			}
			connection.release();
			try {
				this.handler.onClosed(connection);
			}
			catch (RuntimeException ex) {
				logger.error("Failed to handle the closing of " + connection, ex);
			}
		}
	}

	/**
	 * Return the number of open connections, introduced or not.
	 * @return the number of connections
	 */
	public int connectionCount() {
		return this.connections.size();
	}

	@Override
	public void close() throws IOException {
		for (ControlConnection connection : List.copyOf(this.connections)) {
			connection.release();
		}
		this.connections.clear();
		closeQuietly(this.selector);
		closeQuietly(this.server);
		Files.deleteIfExists(this.socketPath);
	}

	/**
	 * Delete the private directory of the control socket, once the socket is closed, with
	 * the sockets workers left in it.
	 */
	public void deleteDirectory() {
		deleteDirectory(this.directory);
	}

	/**
	 * Delete a master's private directory with the sockets left in it (the log socket and
	 * those of workers killed before they could delete theirs) and the workers'
	 * connection boards. The control socket must be closed.
	 * @param directory the directory
	 */
	public static void deleteDirectory(Path directory) {
		StateDirectory.delete(directory);
		try (DirectoryStream<Path> sockets = Files.newDirectoryStream(directory, "*.{sock,board,handover}")) {
			for (Path socket : sockets) {
				Files.deleteIfExists(socket);
			}
		}
		catch (IOException ex) {
			logger.debug("Could not delete the sockets in " + directory, ex);
		}
		try {
			Files.deleteIfExists(directory);
		}
		catch (IOException ex) {
			logger.debug("Could not delete " + directory, ex);
		}
	}

	private static void closeQuietly(@Nullable Closeable closeable) {
		if (closeable != null) {
			try {
				closeable.close();
			}
			catch (IOException ex) {
				// nothing more to do
			}
		}
	}

	/**
	 * Receives what arrives on the control socket, on the master's thread.
	 */
	public interface Handler {

		/**
		 * A well-formed message arrived.
		 * @param link the connection it came on
		 * @param message the message
		 */
		void onMessage(ControlLink link, ControlMessage message);

		/**
		 * A connection was closed.
		 * @param link the connection
		 */
		void onClosed(ControlLink link);

	}

}
