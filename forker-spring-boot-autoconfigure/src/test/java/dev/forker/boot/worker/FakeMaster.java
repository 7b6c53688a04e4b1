package dev.forker.boot.worker;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.LineFramer;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

/**
 * A stand-in for a forker master in tests: it serves one worker connection on a real Unix
 * domain socket, answers heartbeats, status requests and commands, and records what it
 * received.
 */
public final class FakeMaster implements Closeable {

	private final Path directory;

	private final ServerSocketChannel server;

	private final ControlCodec codec = new ControlCodec();

	private final List<ControlMessage> received = new CopyOnWriteArrayList<>();

	private volatile int readyWorkers;

	private volatile SocketChannel connection;

	private FakeMaster(Path directory, ServerSocketChannel server, int readyWorkers) {
		this.directory = directory;
		this.server = server;
		this.readyWorkers = readyWorkers;
	}

	/**
	 * Start a fake master whose heartbeat answers say that {@code readyWorkers} of 2
	 * workers are ready.
	 * @param readyWorkers the number of ready workers to report
	 * @return the fake master
	 * @throws IOException on failure
	 */
	public static FakeMaster start(int readyWorkers) throws IOException {
		return start(Files.createTempDirectory("fake-master"), readyWorkers);
	}

	/**
	 * Start a fake master listening in the given directory.
	 * @param directory the directory
	 * @param readyWorkers the number of ready workers to report
	 * @return the fake master
	 * @throws IOException on failure
	 */
	public static FakeMaster start(Path directory, int readyWorkers) throws IOException {
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		server.bind(UnixDomainSocketAddress.of(directory.resolve("control.sock")));
		FakeMaster master = new FakeMaster(directory, server, readyWorkers);
		Thread thread = new Thread(master::serve, "fake-master");
		thread.setDaemon(true);
		thread.start();
		return master;
	}

	/**
	 * Start a fake master that replaces the one listening in the given directory, as a
	 * master replaced in place does: its control socket is a new file at the same path.
	 * @param directory the directory of the replaced master
	 * @param readyWorkers the number of ready workers to report
	 * @return the fake master
	 * @throws IOException on failure
	 */
	public static FakeMaster startReplacing(Path directory, int readyWorkers) throws IOException {
		// Bound beside the old file and moved over it: a new file is never the old inode
		Path socket = directory.resolve("control.sock");
		Path bound = directory.resolve("control.sock.new");
		ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
		server.bind(UnixDomainSocketAddress.of(bound));
		Files.move(bound, socket, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		FakeMaster master = new FakeMaster(directory, server, readyWorkers);
		Thread thread = new Thread(master::serve, "fake-master");
		thread.setDaemon(true);
		thread.start();
		return master;
	}

	/**
	 * Connect a worker agent to this master as to a master with the given pid; it does
	 * not exit the JVM when the master goes.
	 * @param masterPid the pid of the master
	 * @param masterGone called when the link reads end-of-file for good
	 * @return the agent
	 */
	public WorkerAgent connect(long masterPid, Runnable masterGone) {
		return WorkerAgent.connect(workerEnvironment(this.directory, masterPid), (environment) -> masterGone.run());
	}

	/**
	 * Close the worker's connection and stop listening, leaving the control socket's
	 * file, as the master that replaces itself in place does when it executes the new
	 * version.
	 * @throws IOException on failure
	 */
	public void closeForReplacement() throws IOException {
		SocketChannel connection = this.connection;
		if (connection != null) {
			connection.close();
		}
		this.server.close();
	}

	public Path directory() {
		return this.directory;
	}

	/**
	 * Return a worker environment pointing at this fake master.
	 * @return the environment of worker 1
	 */
	public WorkerEnvironment workerEnvironment() {
		return workerEnvironment(this.directory, 4242);
	}

	/**
	 * Return the environment of worker 1 of a master that listens, or will listen, in the
	 * given directory.
	 * @param directory the directory
	 * @param masterPid the pid of the master
	 * @return the environment
	 */
	public static WorkerEnvironment workerEnvironment(Path directory, long masterPid) {
		return new WorkerEnvironment(1, masterPid, directory.resolve("control.sock"), "token",
				WorkerSocketMode.INHERITED, List.of(new ServedPort("server.port", 18080, 3)), Duration.ofMillis(100),
				null);
	}

	/**
	 * Connect a worker agent to this master; it does not exit the JVM when the master
	 * goes.
	 * @param masterGone called when the link reads end-of-file
	 * @return the agent
	 */
	public WorkerAgent connect(Runnable masterGone) {
		return WorkerAgent.connect(workerEnvironment(), (environment) -> masterGone.run());
	}

	/**
	 * Send a message to the connected worker.
	 * @param message the message
	 * @throws IOException on failure
	 */
	public void send(ControlMessage message) throws IOException {
		this.connection.write(ByteBuffer.wrap(this.codec.encode(message)));
	}

	public List<ControlMessage> received() {
		return this.received;
	}

	public void readyWorkers(int readyWorkers) {
		this.readyWorkers = readyWorkers;
	}

	public static ForkerStatus status() {
		Instant now = Instant.parse("2026-11-23T10:15:30Z");
		return new ForkerStatus(
				new ForkerStatus.Master(4242, "shared", 18080, Map.of("server.port", 18080), now, 60, 2, 2, null),
				List.of(new ForkerStatus.Worker(1, 101, "ready", now, 60, 0, now, "UP", 10, 3, null,
						List.of("scheduler")),
						new ForkerStatus.Worker(2, 102, "ready", now, 30, 1, now, "UP", 20, 2, "signal 9 (SIGKILL)",
								List.of())));
	}

	private void serve() {
		try (SocketChannel channel = this.server.accept()) {
			this.connection = channel;
			ByteBuffer buffer = ByteBuffer.allocate(8192);
			LineFramer framer = new LineFramer(ControlCodec.MAX_MESSAGE_BYTES);
			while (channel.read(buffer) >= 0) {
				buffer.flip();
				framer.feed(buffer, new LineFramer.Handler() {

					@Override
					public void line(byte[] bytes, int offset, int length) {
						answer(channel, FakeMaster.this.codec.decode(bytes, offset, length));
					}

					@Override
					public void oversized(int limit) {
					}

				});
				buffer.clear();
			}
		}
		catch (IOException ex) {
			// closed
		}
	}

	private void answer(SocketChannel channel, ControlMessage message) {
		this.received.add(message);
		ControlMessage reply = null;
		if (message instanceof ControlMessage.Heartbeat) {
			reply = new ControlMessage.HeartbeatAck(2, this.readyWorkers);
		}
		else if (message instanceof ControlMessage.StatusRequest request) {
			reply = new ControlMessage.StatusReply(request.requestId(), status(), 1, 1);
		}
		else if (message instanceof ControlMessage.CommandRequest request) {
			reply = new ControlMessage.CommandReply(request.requestId(), true,
					"ok " + request.command() + " " + request.workers());
		}
		if (reply != null) {
			try {
				channel.write(ByteBuffer.wrap(this.codec.encode(reply)));
			}
			catch (IOException ex) {
				// closed
			}
		}
	}

	@Override
	public void close() throws IOException {
		SocketChannel connection = this.connection;
		if (connection != null) {
			connection.close();
		}
		this.server.close();
		Files.deleteIfExists(this.directory.resolve("control.sock"));
		Files.deleteIfExists(this.directory);
	}

}
