package dev.forker.boot.balance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

/**
 * The {@link ConnectionGate connection gates} of this process, one per port its servers
 * listen on. A server that restarts gets the gate it had. In shared mode a gate balances
 * on the board of its port, and a thread beats for every such gate so that the other
 * workers know it is alive; otherwise (reuseport mode, a port the master does not share,
 * a process that is no worker) a gate only counts.
 *
 * @since 0.1.0
 */
public final class ConnectionGates {

	private static final Log logger = LogFactory.getLog(ConnectionGates.class);

	private static final long BEAT_MILLIS = ConnectionBoard.STALE_MILLIS / 4;

	private static final Map<Integer, ConnectionGate> gates = new LinkedHashMap<>();

	private static @Nullable Thread beats;

	private static volatile boolean balance = true;

	private ConnectionGates() {
	}

	/**
	 * Set whether the gates of shared ports balance, as
	 * {@code forker.balance-connections} says; otherwise they only count. Takes effect
	 * for gates created afterwards.
	 * @param balance whether to balance
	 */
	public static void balance(boolean balance) {
		ConnectionGates.balance = balance;
	}

	/**
	 * Return the gate of a port, created on first use.
	 * @param port the port a server of this process was configured with
	 * @return the gate
	 */
	public static ConnectionGate forPort(int port) {
		return forPort(WorkerEnvironment.current(), port);
	}

	static synchronized ConnectionGate forPort(@Nullable WorkerEnvironment worker, int port) {
		ConnectionGate gate = gates.get(port);
		if (gate == null) {
			gate = create(worker, port);
			gates.put(port, gate);
			if (gate.isBalancing()) {
				startBeating();
			}
		}
		return gate;
	}

	private static ConnectionGate create(@Nullable WorkerEnvironment worker, int port) {
		String name = "port " + port;
		ServedPort served = (worker != null) ? worker.port(port) : null;
		if (!balance || worker == null || served == null || worker.socketMode() != WorkerSocketMode.INHERITED
				|| served.fd() == null) {
			return ConnectionGate.counting(name);
		}
		name = served.property() + " " + served.port();
		try {
			ConnectionBoard board = ConnectionBoard.open(ConnectionBoard.file(worker.controlSocket(), served.port()));
			return ConnectionGate.balancing(name, board, ProcessHandle.current().pid());
		}
		catch (IOException ex) {
			logger.warn("Connections of " + name + " are not balanced with the other workers: " + ex);
			return ConnectionGate.counting(name);
		}
	}

	/**
	 * Return the connections the servers of this process hold open, over every port.
	 * @return the open connections
	 */
	public static synchronized int openConnections() {
		int open = 0;
		for (ConnectionGate gate : gates.values()) {
			open += gate.openConnections();
		}
		return open;
	}

	/**
	 * Tell the other workers that every server of this process stopped accepting: the
	 * process is about to stop.
	 */
	public static synchronized void stopAccepting() {
		for (ConnectionGate gate : gates.values()) {
			gate.accepting(false);
		}
	}

	/**
	 * Give up every gate's slot (tests and a stopped worker).
	 */
	static synchronized void releaseAll() {
		for (ConnectionGate gate : gates.values()) {
			gate.release();
		}
		gates.clear();
		balance = true;
		Thread thread = beats;
		if (thread != null) {
			thread.interrupt();
			beats = null;
		}
	}

	private static void startBeating() {
		if (beats != null) {
			return;
		}
		Thread thread = new Thread(ConnectionGates::beat, "forker-connection-gates");
		thread.setDaemon(true);
		beats = thread;
		thread.start();
	}

	private static void beat() {
		while (!Thread.currentThread().isInterrupted()) {
			List<ConnectionGate> current;
			synchronized (ConnectionGates.class) {
				current = new ArrayList<>(gates.values());
			}
			long now = System.currentTimeMillis();
			for (ConnectionGate gate : current) {
				gate.beat(now);
			}
			try {
				TimeUnit.MILLISECONDS.sleep(BEAT_MILLIS);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

}
