package dev.forker.boot.master;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.InvalidControlMessageException;
import dev.forker.boot.control.LineFramer;

/**
 * The master's end of the control channel: a Unix domain socket in a fresh directory that
 * only the owner can enter, served by the master's single thread with a selector, so that
 * no peer can block the master.
 *
 * @since 0.1.0
 */
final class ControlServer implements Closeable {

	private static final Log logger = LogFactory.getLog(ControlServer.class);

	private static final long INTRODUCTION_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

	private final Path directory;

	private final Path socketPath;

	private final ServerSocketChannel server;

	private final Selector selector;

	private final Handler handler;

	private final ControlCodec codec = new ControlCodec();

	private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);

	private final List<ControlConnection> connections = new ArrayList<>();

	private ControlServer(Path directory, Path socketPath, ServerSocketChannel server, Selector selector,
			Handler handler) {
		this.directory = directory;
		this.socketPath = socketPath;
		this.server = server;
		this.selector = selector;
		this.handler = handler;
	}

	static ControlServer open(Handler handler) throws IOException {
		Path directory = Files.createTempDirectory("forker-",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
		Path socketPath = directory.resolve("control.sock");
		ServerSocketChannel server = null;
		Selector selector = null;
		try {
			server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
			server.bind(UnixDomainSocketAddress.of(socketPath));
			server.configureBlocking(false);
			selector = Selector.open();
			server.register(selector, SelectionKey.OP_ACCEPT);
			return new ControlServer(directory, socketPath, server, selector, handler);
		}
		catch (IOException | RuntimeException ex) {
			closeQuietly(selector);
			closeQuietly(server);
			Files.deleteIfExists(socketPath);
			Files.deleteIfExists(directory);
			throw ex;
		}
	}

	Path socketPath() {
		return this.socketPath;
	}

	void wakeup() {
		this.selector.wakeup();
	}

	/**
	 * Serve the control socket until something happened or the timeout passed.
	 * @param timeoutMillis the longest wait, 0 for none
	 * @throws IOException if the selector fails
	 */
	void poll(long timeoutMillis) throws IOException {
		if (timeoutMillis <= 0) {
			this.selector.selectNow(this::handle);
		}
		else {
			this.selector.select(this::handle, timeoutMillis);
		}
		closeSilentConnections(System.nanoTime());
	}

	private void handle(SelectionKey key) {
		if (key.channel() == this.server) {
			accept();
			return;
		}
		ControlConnection connection = (ControlConnection) key.attachment();
		try {
			if (key.isReadable()) {
				read(connection);
			}
			if (key.isValid() && key.isWritable()) {
				connection.flush();
			}
		}
		catch (IOException ex) {
			logger.debug("Closing " + connection + " after an I/O failure", ex);
			close(connection);
		}
	}

	private void accept() {
		try {
			SocketChannel channel = this.server.accept();
			if (channel == null) {
				return;
			}
			channel.configureBlocking(false);
			SelectionKey key = channel.register(this.selector, SelectionKey.OP_READ);
			ControlConnection connection = new ControlConnection(channel, key, System.nanoTime());
			key.attach(connection);
			this.connections.add(connection);
		}
		catch (IOException ex) {
			logger.warn("Could not accept a control connection", ex);
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
				if (connection.channel().isOpen()) {
					receive(connection, bytes, offset, length);
				}
			}

			@Override
			public void oversized(int limit) {
				reject(connection, "a message longer than " + limit + " bytes");
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

	private void reject(ControlConnection connection, String what) {
		if (connection.worker() != null) {
			logger.warn("Ignored " + what + " on the " + connection);
		}
		else {
			logger.warn("Closed an anonymous control connection that sent " + what);
			close(connection);
		}
	}

	private void closeSilentConnections(long nowNanos) {
		List<ControlConnection> silent = null;
		for (ControlConnection connection : this.connections) {
			if (connection.worker() == null && nowNanos - connection.openedNanos() > INTRODUCTION_TIMEOUT_NANOS) {
				silent = (silent != null) ? silent : new ArrayList<>();
				silent.add(connection);
			}
		}
		if (silent != null) {
			for (ControlConnection connection : silent) {
				logger.warn("Closed an anonymous control connection that did not introduce itself within 10s");
				close(connection);
			}
		}
	}

	/**
	 * Send a message to a connected peer.
	 * @param connection the connection
	 * @param message the message
	 */
	void send(ControlConnection connection, ControlMessage message) {
		try {
			if (!connection.send(this.codec.encode(message))) {
				logger.warn("Closing " + connection + ": its peer does not read what the master sends");
				close(connection);
			}
		}
		catch (IOException ex) {
			logger.debug("Closing " + connection + " after a write failure", ex);
			close(connection);
		}
	}

	void close(ControlConnection connection) {
		if (this.connections.remove(connection)) {
			connection.close();
			this.handler.onClosed(connection);
		}
	}

	@Override
	public void close() throws IOException {
		for (ControlConnection connection : List.copyOf(this.connections)) {
			connection.close();
		}
		this.connections.clear();
		closeQuietly(this.selector);
		closeQuietly(this.server);
		Files.deleteIfExists(this.socketPath);
		Files.deleteIfExists(this.directory);
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
	interface Handler {

		/**
		 * A well-formed message arrived.
		 * @param connection the connection it came on
		 * @param message the message
		 */
		void onMessage(ControlConnection connection, ControlMessage message);

		/**
		 * A connection was closed.
		 * @param connection the connection
		 */
		void onClosed(ControlConnection connection);

	}

}
