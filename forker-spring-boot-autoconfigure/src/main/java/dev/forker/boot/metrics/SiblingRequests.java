package dev.forker.boot.metrics;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Asks other workers for their metric snapshots, all at once, on the calling thread: one
 * connection to each worker's {@link WorkerMetricsServer}, served by one selector, and
 * nothing waited for past a deadline. A worker that is stopped, busy or gone costs the
 * scrape no more than the deadline.
 *
 * @since 0.1.0
 */
final class SiblingRequests implements Closeable {

	private static final Log logger = LogFactory.getLog(SiblingRequests.class);

	private final Selector selector;

	private final List<Exchange> exchanges = new ArrayList<>();

	private SiblingRequests(Selector selector) {
		this.selector = selector;
	}

	/**
	 * Send a request to every worker. The answers arrive while the caller does something
	 * else, and {@link #await(long)} collects them.
	 * @param sockets the metrics socket of each worker, by worker id
	 * @return the requests
	 * @throws IOException if no selector can be opened
	 */
	static SiblingRequests send(Map<Integer, Path> sockets) throws IOException {
		SiblingRequests requests = new SiblingRequests(Selector.open());
		sockets.forEach(requests::send);
		return requests;
	}

	private void send(int workerId, Path socket) {
		Exchange exchange = new Exchange(workerId);
		this.exchanges.add(exchange);
		try {
			SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			exchange.channel = channel;
			channel.configureBlocking(false);
			SelectionKey key = channel.register(this.selector, 0, exchange);
			exchange.key = key;
			if (channel.connect(UnixDomainSocketAddress.of(socket))) {
				exchange.write();
			}
			else {
				key.interestOps(SelectionKey.OP_CONNECT);
			}
		}
		catch (IOException | RuntimeException ex) {
			exchange.fail(ex);
		}
	}

	/**
	 * Wait for the answers until every worker answered or the deadline passed.
	 * @param deadlineNanos the deadline, in {@link System#nanoTime()} terms
	 * @return the answers that arrived complete, by worker id
	 */
	Map<Integer, byte[]> await(long deadlineNanos) {
		try {
			long remaining;
			while (pending() && (remaining = deadlineNanos - System.nanoTime()) > 0) {
				this.selector.select(this::handle, Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
			}
		}
		catch (IOException ex) {
			logger.debug("Metrics requests to other workers failed", ex);
		}
		Map<Integer, byte[]> answers = new LinkedHashMap<>();
		for (Exchange exchange : this.exchanges) {
			if (exchange.answer != null && !exchange.answer.hasRemaining()) {
				answers.put(exchange.workerId, exchange.answer.array());
			}
		}
		return answers;
	}

	private boolean pending() {
		for (Exchange exchange : this.exchanges) {
			if (!exchange.done) {
				return true;
			}
		}
		return false;
	}

	private void handle(SelectionKey key) {
		Exchange exchange = (Exchange) key.attachment();
		try {
			if (key.isValid() && key.isConnectable() && exchange.channel().finishConnect()) {
				exchange.write();
			}
			if (key.isValid() && key.isWritable()) {
				exchange.write();
			}
			if (key.isValid() && key.isReadable()) {
				exchange.read();
			}
		}
		catch (IOException | RuntimeException ex) {
			exchange.fail(ex);
		}
	}

	@Override
	public void close() {
		for (Exchange exchange : this.exchanges) {
			exchange.close();
		}
		try {
			this.selector.close();
		}
		catch (IOException ex) {
			// nothing more to do
		}
	}

	/**
	 * The request to one worker and its answer.
	 */
	private static final class Exchange {

		private final int workerId;

		private final ByteBuffer request = ByteBuffer.allocate(4).putInt(0, WorkerMetricsServer.REQUEST);

		private final ByteBuffer length = ByteBuffer.allocate(4);

		private @Nullable SocketChannel channel;

		private @Nullable SelectionKey key;

		private @Nullable ByteBuffer answer;

		private boolean done;

		Exchange(int workerId) {
			this.workerId = workerId;
		}

		SocketChannel channel() {
			SocketChannel channel = this.channel;
			if (channel == null) {
				throw new IllegalStateException("Not connected");
			}
			return channel;
		}

		SelectionKey key() {
			SelectionKey key = this.key;
			if (key == null) {
				throw new IllegalStateException("Not registered");
			}
			return key;
		}

		void write() throws IOException {
			channel().write(this.request);
			key().interestOps(this.request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
		}

		void read() throws IOException {
			SocketChannel channel = channel();
			ByteBuffer answer = this.answer;
			if (answer == null) {
				if (channel.read(this.length) < 0) {
					throw new IOException("Closed without an answer");
				}
				if (this.length.hasRemaining()) {
					return;
				}
				int size = this.length.getInt(0);
				if (size < 0 || size > WorkerMetricsServer.MAX_ANSWER_BYTES) {
					throw new IOException("Invalid answer length " + size);
				}
				answer = ByteBuffer.allocate(size);
				this.answer = answer;
			}
			if (answer.hasRemaining() && channel.read(answer) < 0) {
				throw new IOException("Closed after " + answer.position() + " of " + answer.capacity() + " bytes");
			}
			if (!answer.hasRemaining()) {
				close();
			}
		}

		void fail(Exception ex) {
			logger.debug("Metrics request to worker " + this.workerId + " failed", ex);
			this.answer = null;
			close();
		}

		void close() {
			this.done = true;
			SelectionKey key = this.key;
			if (key != null) {
				key.cancel();
			}
			SocketChannel channel = this.channel;
			if (channel != null) {
				try {
					channel.close();
				}
				catch (IOException ex) {
					// nothing more to do
				}
			}
		}

	}

}
