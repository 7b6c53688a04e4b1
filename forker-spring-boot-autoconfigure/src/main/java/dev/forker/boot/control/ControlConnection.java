package dev.forker.boot.control;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Deque;

import org.jspecify.annotations.Nullable;

/**
 * One connection on the master's control socket, served by the master's thread.
 *
 * @since 0.1.0
 */
final class ControlConnection implements ControlLink {

	private static final int MAX_PENDING_OUTPUT = 1024 * 1024;

	private final ControlServer server;

	private final SocketChannel channel;

	private final SelectionKey key;

	private final long openedNanos;

	private final LineFramer framer = new LineFramer(ControlCodec.MAX_MESSAGE_BYTES);

	private final Deque<ByteBuffer> output = new ArrayDeque<>();

	private int pendingOutput;

	private @Nullable String name;

	private boolean closed;

	ControlConnection(ControlServer server, SocketChannel channel, SelectionKey key, long openedNanos) {
		this.server = server;
		this.channel = channel;
		this.key = key;
		this.openedNanos = openedNanos;
	}

	SocketChannel channel() {
		return this.channel;
	}

	LineFramer framer() {
		return this.framer;
	}

	long openedNanos() {
		return this.openedNanos;
	}

	boolean isIntroduced() {
		return this.name != null;
	}

	boolean isClosed() {
		return this.closed;
	}

	@Override
	public void send(ControlMessage message) {
		this.server.send(this, message);
	}

	@Override
	public void introduced(String name) {
		if (this.name == null && !this.closed) {
			this.name = name;
			this.server.introduced(this);
		}
	}

	@Override
	public void close() {
		this.server.close(this);
	}

	/**
	 * Queue bytes for the peer and write what the socket takes now.
	 * @param bytes the bytes
	 * @return {@code false} if the peer does not read and the connection should close
	 * @throws IOException on a write failure
	 */
	boolean write(byte[] bytes) throws IOException {
		if (this.pendingOutput + bytes.length > MAX_PENDING_OUTPUT) {
			return false;
		}
		this.output.addLast(ByteBuffer.wrap(bytes));
		this.pendingOutput += bytes.length;
		flush();
		return true;
	}

	void flush() throws IOException {
		while (!this.output.isEmpty()) {
			ByteBuffer head = this.output.peekFirst();
			int written = this.channel.write(head);
			this.pendingOutput -= written;
			if (head.hasRemaining()) {
				this.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
				return;
			}
			this.output.removeFirst();
		}
		this.key.interestOps(SelectionKey.OP_READ);
	}

	void release() {
		this.closed = true;
		this.output.clear();
		this.key.cancel();
		try {
			this.channel.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

	@Override
	public String toString() {
		return (this.name != null) ? "control connection of " + this.name : "anonymous control connection";
	}

}
