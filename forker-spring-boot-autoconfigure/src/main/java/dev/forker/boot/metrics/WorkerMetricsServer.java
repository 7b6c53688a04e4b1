package dev.forker.boot.metrics;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * A worker's metrics for its siblings: a Unix domain socket in the master's private
 * directory (mode {@code 0700}, so only the user running the application can connect), on
 * which each connection asks once and receives this worker's own metric snapshots.
 * <p>
 * One daemon thread serves it with a selector: a sibling that stops reading cannot block
 * it, connections are bounded in number and closed after
 * {@value #CONNECTION_TIMEOUT_SECONDS} seconds whatever their state, and the snapshots
 * are taken from the worker's own registry, never from the aggregating view, so that no
 * request ever goes round the workers.
 *
 * @since 0.1.0
 */
public final class WorkerMetricsServer implements SmartLifecycle {

	/**
	 * The request: four bytes, {@code FKM1}.
	 */
	static final int REQUEST = 0x464b4d31;

	/**
	 * Largest answer a sibling accepts.
	 */
	static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

	static final int MAX_CONNECTIONS = 32;

	static final long CONNECTION_TIMEOUT_SECONDS = 10;

	private static final Log logger = LogFactory.getLog(WorkerMetricsServer.class);

	private final Path socket;

	private final Supplier<? extends Iterable<MetricSnapshot>> scrape;

	private volatile @Nullable Serving serving;

	/**
	 * Create a new instance.
	 * @param socket the socket to listen on
	 * @param scrape takes this worker's own metric snapshots
	 */
	public WorkerMetricsServer(Path socket, Supplier<? extends Iterable<MetricSnapshot>> scrape) {
		this.socket = socket;
		this.scrape = scrape;
	}

	/**
	 * Return the socket this server listens on.
	 * @return the socket path
	 */
	public Path getSocket() {
		return this.socket;
	}

	@Override
	public void start() {
		if (this.serving != null) {
			return;
		}
		try {
			// A worker with the same pid that was killed may have left it
			Files.deleteIfExists(this.socket);
			ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
			try {
				server.bind(UnixDomainSocketAddress.of(this.socket));
				server.configureBlocking(false);
				Selector selector = Selector.open();
				server.register(selector, SelectionKey.OP_ACCEPT);
				Serving serving = new Serving(server, selector);
				this.serving = serving;
				serving.thread.start();
			}
			catch (IOException | RuntimeException ex) {
				server.close();
				throw ex;
			}
		}
		catch (IOException ex) {
			// The worker serves its own metrics; the others leave it out of their scrapes
			logger.warn("Cannot serve this worker's metrics to the other workers on " + this.socket + ": "
					+ ex.getMessage() + ". Scrapes answered by other workers will leave this one out.");
		}
	}

	@Override
	public void stop() {
		Serving serving = this.serving;
		if (serving != null) {
			this.serving = null;
			serving.close();
			try {
				Files.deleteIfExists(this.socket);
			}
			catch (IOException ex) {
				logger.debug("Could not delete " + this.socket, ex);
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.serving != null;
	}

	/**
	 * The running server.
	 */
	private final class Serving implements Closeable {

		private final ServerSocketChannel server;

		private final Selector selector;

		private final Thread thread;

		private final List<Connection> connections = new ArrayList<>();

		private volatile boolean closed;

		Serving(ServerSocketChannel server, Selector selector) {
			this.server = server;
			this.selector = selector;
			this.thread = new Thread(this::serve, "forker-metrics-server");
			this.thread.setDaemon(true);
		}

		private void serve() {
			try {
				while (!this.closed) {
					this.selector.select(this::handle, 1000);
					closeExpired(System.nanoTime());
				}
			}
			catch (IOException | ClosedSelectorException ex) {
				if (!this.closed) {
					logger.warn("Stopped serving this worker's metrics to the other workers", ex);
				}
			}
			finally {
				this.connections.forEach(Connection::close);
				this.connections.clear();
			}
		}

		private void handle(SelectionKey key) {
			if (key.channel() == this.server) {
				accept();
				return;
			}
			Connection connection = (Connection) key.attachment();
			try {
				if (key.isValid() && key.isReadable()) {
					connection.read();
				}
				if (key.isValid() && key.isWritable()) {
					connection.write();
				}
			}
			catch (IOException | CancelledKeyException ex) {
				// The sibling gave up (its scrape timed out) or went away
				logger.debug("Metrics request of another worker failed", ex);
				close(connection);
			}
			catch (RuntimeException ex) {
				logger.warn("Could not answer another worker's metrics request", ex);
				close(connection);
			}
		}

		private void accept() {
			try {
				SocketChannel channel = this.server.accept();
				if (channel == null) {
					return;
				}
				if (this.connections.size() >= MAX_CONNECTIONS) {
					channel.close();
					return;
				}
				channel.configureBlocking(false);
				SelectionKey key = channel.register(this.selector, SelectionKey.OP_READ);
				Connection connection = new Connection(channel, key,
						System.nanoTime() + TimeUnit.SECONDS.toNanos(CONNECTION_TIMEOUT_SECONDS));
				key.attach(connection);
				this.connections.add(connection);
			}
			catch (IOException ex) {
				logger.debug("Could not accept a metrics request", ex);
			}
		}

		private void closeExpired(long now) {
			for (Connection connection : List.copyOf(this.connections)) {
				if (now - connection.deadline > 0) {
					close(connection);
				}
			}
		}

		private void close(Connection connection) {
			this.connections.remove(connection);
			connection.close();
		}

		@Override
		public void close() {
			this.closed = true;
			this.selector.wakeup();
			try {
				this.thread.join(TimeUnit.SECONDS.toMillis(2));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			closeQuietly(this.selector);
			closeQuietly(this.server);
		}

		/**
		 * One sibling's request: four bytes in, this worker's snapshots out.
		 */
		private final class Connection {

			private final SocketChannel channel;

			private final SelectionKey key;

			private final long deadline;

			private final ByteBuffer request = ByteBuffer.allocate(4);

			private @Nullable ByteBuffer answer;

			Connection(SocketChannel channel, SelectionKey key, long deadline) {
				this.channel = channel;
				this.key = key;
				this.deadline = deadline;
			}

			void read() throws IOException {
				if (this.answer != null) {
					return;
				}
				if (this.channel.read(this.request) < 0) {
					throw new IOException("Closed before it asked");
				}
				if (this.request.hasRemaining()) {
					return;
				}
				if (this.request.getInt(0) != REQUEST) {
					throw new IOException("Not a metrics request");
				}
				byte[] snapshots = SnapshotCodec.encode(WorkerMetricsServer.this.scrape.get());
				ByteBuffer answer = ByteBuffer.allocate(4 + snapshots.length);
				answer.putInt(snapshots.length).put(snapshots).flip();
				this.answer = answer;
				this.key.interestOps(SelectionKey.OP_WRITE);
				write();
			}

			void write() throws IOException {
				ByteBuffer answer = this.answer;
				if (answer == null) {
					return;
				}
				this.channel.write(answer);
				if (!answer.hasRemaining()) {
					Serving.this.close(this);
				}
			}

			void close() {
				this.key.cancel();
				closeQuietly(this.channel);
			}

		}

	}

	private static void closeQuietly(Closeable closeable) {
		try {
			closeable.close();
		}
		catch (IOException ex) {
			// nothing more to do
		}
	}

}
