package dev.forker.boot.logging;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The master's end of log forwarding: one thread that reads what every worker forwards
 * and writes it through the master's file appenders, so that each log file has one
 * writer, rolls and compresses as configured, and loses no line. It never runs on the
 * master's event loop, so file I/O never delays supervision.
 *
 * @since 0.1.0
 */
final class LogServer implements Closeable {

	private static final Log logger = LogFactory.getLog(LogServer.class);

	private static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

	private final Path socketPath;

	private final ServerSocketChannel server;

	private final Selector selector;

	private final Map<String, FileAppender<ILoggingEvent>> appenders;

	private final LogForwarding.Authenticator authenticator;

	private final Set<Connection> connections = new HashSet<>();

	private final Thread thread;

	private volatile boolean closing;

	private LogServer(Path socketPath, ServerSocketChannel server, Selector selector,
			Map<String, FileAppender<ILoggingEvent>> appenders, LogForwarding.Authenticator authenticator) {
		this.socketPath = socketPath;
		this.server = server;
		this.selector = selector;
		this.appenders = appenders;
		this.authenticator = authenticator;
		this.thread = new Thread(this::serve, "forker-log-server");
		this.thread.setDaemon(true);
	}

	/**
	 * Return whether this JVM's Logback configuration writes log files.
	 * @return whether a log server is needed
	 */
	static boolean isNeeded() {
		var context = FileAppenders.context();
		return context != null && !FileAppenders.byName(context).isEmpty();
	}

	/**
	 * Start writing the log files of this JVM's Logback configuration for the workers, if
	 * it has any.
	 * @param socketPath where to listen
	 * @param authenticator checks who connects
	 * @return the server, or {@code null} when this JVM writes no log file
	 * @throws IOException if the socket cannot be opened
	 */
	static @Nullable LogServer startIfNeeded(Path socketPath, LogForwarding.Authenticator authenticator)
			throws IOException {
		var context = FileAppenders.context();
		if (context == null) {
			return null;
		}
		Map<String, FileAppender<ILoggingEvent>> appenders = FileAppenders.byName(context);
		if (appenders.isEmpty()) {
			return null;
		}
		appenders.values().forEach(ForwardedEventsFirst::prepare);
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		Selector selector = null;
		try {
			server.bind(UnixDomainSocketAddress.of(socketPath));
			server.configureBlocking(false);
			selector = Selector.open();
			server.register(selector, SelectionKey.OP_ACCEPT);
			LogServer logServer = new LogServer(socketPath, server, selector, appenders, authenticator);
			logServer.thread.start();
			return logServer;
		}
		catch (IOException | RuntimeException ex) {
			if (selector != null) {
				selector.close();
			}
			server.close();
			Files.deleteIfExists(socketPath);
			throw ex;
		}
	}

	/**
	 * Return where workers connect.
	 * @return the socket path
	 */
	Path socketPath() {
		return this.socketPath;
	}

	private void serve() {
		long drainDeadline = Long.MAX_VALUE;
		while (true) {
			try {
				this.selector.select(this::handle, 100);
			}
			catch (IOException | RuntimeException ex) {
				logger.error("forker log server: serving the workers' log lines failed", ex);
				return;
			}
			if (this.closing) {
				if (drainDeadline == Long.MAX_VALUE) {
					drainDeadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
				}
				if (this.connections.isEmpty() || System.nanoTime() - drainDeadline >= 0) {
					return;
				}
			}
		}
	}

	private void handle(SelectionKey key) {
		if (key.channel() == this.server) {
			accept();
			return;
		}
		Connection connection = (Connection) key.attachment();
		try {
			if (!connection.read()) {
				close(connection);
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Closing a log connection after a failure", ex);
			close(connection);
		}
	}

	private void accept() {
		try {
			SocketChannel channel = this.server.accept();
			if (channel != null) {
				channel.configureBlocking(false);
				Connection connection = new Connection(channel);
				channel.register(this.selector, SelectionKey.OP_READ, connection);
				this.connections.add(connection);
			}
		}
		catch (IOException ex) {
			logger.debug("Could not accept a log connection", ex);
		}
	}

	private void close(Connection connection) {
		this.connections.remove(connection);
		try {
			connection.channel.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

	/**
	 * Stop accepting, write what the workers sent until they all closed their connections
	 * (they have exited by now), then stop.
	 */
	@Override
	public void close() throws IOException {
		this.closing = true;
		this.server.close();
		try {
			this.thread.join(TimeUnit.NANOSECONDS.toMillis(DRAIN_TIMEOUT_NANOS) + 1000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		for (Connection connection : List.copyOf(this.connections)) {
			close(connection);
		}
		this.selector.close();
		Files.deleteIfExists(this.socketPath);
	}

	/**
	 * One worker's connection: its introduction, then frames.
	 */
	private final class Connection {

		private final SocketChannel channel;

		private ByteBuffer buffer = ByteBuffer.allocate(8 * 1024);

		private @Nullable List<@Nullable FileAppender<ILoggingEvent>> targets;

		Connection(SocketChannel channel) {
			this.channel = channel;
		}

		/**
		 * Read what is available and act on it.
		 * @return {@code false} at end-of-file
		 */
		boolean read() throws IOException {
			int read = this.channel.read(this.buffer);
			this.buffer.flip();
			try {
				if (this.targets == null) {
					introduce();
				}
				if (this.targets != null) {
					writeFrames();
				}
			}
			finally {
				this.buffer.compact();
			}
			return read >= 0;
		}

		private void introduce() throws IOException {
			int newline = -1;
			for (int i = this.buffer.position(); i < this.buffer.limit(); i++) {
				if (this.buffer.get(i) == '\n') {
					newline = i;
					break;
				}
			}
			if (newline < 0) {
				if (this.buffer.remaining() >= LogProtocol.MAX_LINE_BYTES) {
					throw new IOException("Introduction longer than " + LogProtocol.MAX_LINE_BYTES + " bytes");
				}
				grow(this.buffer.remaining() + 1);
				return;
			}
			byte[] line = new byte[newline - this.buffer.position()];
			this.buffer.get(line);
			this.buffer.get();
			LogProtocol.Hello hello = LogProtocol.mapper.readValue(line, LogProtocol.Hello.class);
			if (!LogServer.this.authenticator.isWorker(hello.workerId(), hello.pid(), hello.token())) {
				throw new IOException("Rejected a log connection that claimed to be worker " + hello.workerId());
			}
			List<@Nullable FileAppender<ILoggingEvent>> targets = new ArrayList<>();
			List<String> accepted = new ArrayList<>();
			for (LogProtocol.AppenderFile file : hello.appenders()) {
				FileAppender<ILoggingEvent> appender = LogServer.this.appenders.get(file.name());
				if (appender != null && FileAppenders.path(appender).equals(file.file())) {
					targets.add(appender);
					accepted.add(file.name());
				}
				else {
					targets.add(null);
				}
			}
			byte[] welcome = LogProtocol.mapper.writeValueAsBytes(new LogProtocol.Welcome(accepted));
			ByteBuffer answer = ByteBuffer.allocate(welcome.length + 1).put(welcome).put((byte) '\n').flip();
			while (answer.hasRemaining()) {
				this.channel.write(answer);
			}
			this.targets = targets;
		}

		private void writeFrames() throws IOException {
			List<@Nullable FileAppender<ILoggingEvent>> targets = this.targets;
			while (targets != null && this.buffer.remaining() >= LogProtocol.HEADER_BYTES) {
				int start = this.buffer.position();
				int index = this.buffer.getShort(start) & 0xffff;
				int length = this.buffer.getInt(start + 2);
				if (length < 0 || length > LogProtocol.MAX_FRAME_BYTES || index >= targets.size()) {
					throw new IOException("Malformed log frame");
				}
				if (this.buffer.remaining() < LogProtocol.HEADER_BYTES + length) {
					grow(LogProtocol.HEADER_BYTES + length);
					return;
				}
				this.buffer.position(start + LogProtocol.HEADER_BYTES);
				byte[] bytes = new byte[length];
				this.buffer.get(bytes);
				FileAppender<ILoggingEvent> target = targets.get(index);
				if (target != null) {
					target.doAppend(new ForwardedEvent(bytes));
				}
			}
		}

		/**
		 * Make room for at least {@code needed} bytes of unread data; called with the
		 * buffer flipped, compacted by the caller afterwards.
		 */
		private void grow(int needed) {
			if (this.buffer.capacity() < needed + 1024) {
				ByteBuffer larger = ByteBuffer.allocate(Math.max(this.buffer.capacity() * 2, needed + 1024));
				larger.put(this.buffer);
				larger.flip();
				this.buffer = larger;
			}
		}

	}

}
