package dev.forker.boot.balance;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Counts the open connections of one server of a worker and, when the worker shares its
 * listening socket with others, says whether it may take the next connection: only while
 * it holds no more than {@link #SLACK} connections above the least busy worker that
 * accepts. The least busy worker may always accept, so connections never wait for a
 * worker that none may serve.
 * <p>
 * Workers that share a socket all see a new connection, and whichever runs first would
 * take it: a burst of keep-alive connections, such as a connection pool opening, piles up
 * on one worker. With the gate, the busier workers leave it to the others.
 *
 * @since 0.1.0
 */
public final class ConnectionGate {

	private static final Log logger = LogFactory.getLog(ConnectionGate.class);

	/**
	 * Connections a worker may hold above the least busy one and still accept.
	 */
	static final int SLACK = 1;

	/**
	 * Longest time a worker leaves a waiting connection to the others before it takes it
	 * anyway: longer than a sibling needs to accept, shorter than a client notices.
	 */
	public static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

	private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

	private final String name;

	private final AtomicInteger open = new AtomicInteger();

	private final @Nullable ConnectionBoard board;

	private final int slot;

	private final long pid;

	private volatile boolean accepting;

	private ConnectionGate(String name, @Nullable ConnectionBoard board, int slot, long pid) {
		this.name = name;
		this.board = board;
		this.slot = slot;
		this.pid = pid;
	}

	/**
	 * Create a gate that only counts: the worker does not share its socket.
	 * @param name what the gate is for, for logs
	 * @return the gate
	 */
	static ConnectionGate counting(String name) {
		return new ConnectionGate(name, null, -1, 0);
	}

	/**
	 * Create a gate on a board shared with the other workers, or one that only counts if
	 * no slot of the board is free.
	 * @param name what the gate is for, for logs
	 * @param board the board
	 * @param pid this process's pid
	 * @return the gate
	 */
	static ConnectionGate balancing(String name, ConnectionBoard board, long pid) {
		int slot = board.claim(pid, System.currentTimeMillis());
		if (slot < 0) {
			logger.warn("Connections of " + name + " are not balanced with the other workers: every slot of "
					+ board.file() + " is taken");
			return counting(name);
		}
		return new ConnectionGate(name, board, slot, pid);
	}

	/**
	 * Count a connection the server accepted.
	 */
	public void opened() {
		publish(this.open.incrementAndGet());
	}

	/**
	 * Count a connection the server closed.
	 */
	public void closed() {
		publish(this.open.updateAndGet((count) -> Math.max(0, count - 1)));
	}

	private void publish(int connections) {
		ConnectionBoard board = this.board;
		if (board != null) {
			board.connections(this.slot, connections);
		}
	}

	/**
	 * Return the connections the server holds open.
	 * @return the open connections
	 */
	public int openConnections() {
		return this.open.get();
	}

	/**
	 * Say whether the server accepts connections: one that does not (a draining or
	 * stopped server) is not waited for by the others.
	 * @param accepting whether the server accepts
	 */
	public void accepting(boolean accepting) {
		this.accepting = accepting;
		ConnectionBoard board = this.board;
		if (board != null) {
			board.accepting(this.slot, accepting);
		}
	}

	/**
	 * Return whether the server accepts connections, as last said.
	 * @return whether the server accepts
	 */
	public boolean isAccepting() {
		return this.accepting;
	}

	/**
	 * Return whether the server may take the next connection now.
	 * @return whether the server may accept
	 */
	public boolean mayAccept() {
		ConnectionBoard board = this.board;
		if (board == null) {
			return true;
		}
		int fewest = board.fewestOtherConnections(this.slot, System.currentTimeMillis());
		return fewest == Integer.MAX_VALUE || this.open.get() <= fewest + SLACK;
	}

	/**
	 * Wait until the server may take the next connection, or {@link #MAX_WAIT_NANOS}.
	 * @throws InterruptedException if the thread is interrupted while it waits
	 */
	public void awaitTurn() throws InterruptedException {
		if (mayAccept()) {
			return;
		}
		long deadline = System.nanoTime() + MAX_WAIT_NANOS;
		while (!mayAccept() && System.nanoTime() - deadline < 0) {
			LockSupport.parkNanos(POLL_NANOS);
			if (Thread.interrupted()) {
				throw new InterruptedException();
			}
		}
	}

	/**
	 * Return whether this gate balances with other workers rather than only counting.
	 * @return whether the gate balances
	 */
	public boolean isBalancing() {
		return this.board != null;
	}

	void beat(long now) {
		ConnectionBoard board = this.board;
		if (board != null) {
			if (board.owner(this.slot) != this.pid) {
				// Taken over while this process did not beat (a long pause): keep
				// counting; the other workers no longer wait for this one
				return;
			}
			board.beat(this.slot, now);
		}
	}

	void release() {
		ConnectionBoard board = this.board;
		if (board != null) {
			board.release(this.slot, this.pid);
			try {
				board.close();
			}
			catch (IOException ex) {
				logger.debug("Failed to close " + board, ex);
			}
		}
	}

	@Override
	public String toString() {
		return "ConnectionGate " + this.name + " (" + this.open.get() + " open"
				+ ((this.board != null) ? ", slot " + this.slot + " of " + this.board.file() : "") + ")";
	}

}
