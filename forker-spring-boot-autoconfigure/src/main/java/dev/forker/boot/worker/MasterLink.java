package dev.forker.boot.worker;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.InvalidControlMessageException;
import dev.forker.boot.control.LineFramer;
import dev.forker.boot.control.WorkerEnvironment;

/**
 * The wire of a {@link WorkerAgent}: the connection to the master's control socket, the
 * thread that reads it, the requests waiting for their answers, and the writes, one at a
 * time. Messages that answer no request go to the agent.
 *
 * @since 0.1.0
 */
final class MasterLink implements Closeable {

	private static final Log logger = LogFactory.getLog(WorkerAgent.class);

	/**
	 * How long a worker waits for its master to listen on its control socket.
	 */
	static final long MASTER_LISTEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

	private static final long MASTER_LISTEN_POLL_MILLIS = 10;

	private final WorkerEnvironment environment;

	// Replaced by the connected channel before any other thread uses it
	private SocketChannel channel;

	private final Consumer<ControlMessage> receiver;

	private final Runnable closed;

	private final ControlCodec codec = new ControlCodec();

	private final Object writeLock = new Object();

	private final AtomicLong requestIds = new AtomicLong();

	private final Map<Long, PendingRequest> pending = new ConcurrentHashMap<>();

	private final Runnable reconnected;

	private volatile boolean masterReplacing;

	private volatile @Nullable Object replacedControlSocket;

	private final TermSignalShield termSignalShield = new TermSignalShield();

	private volatile boolean closing;

	/**
	 * Whether the link to the replaced master is closed and the new master not connected
	 * yet: requests fail at once then rather than wait for an answer that cannot come.
	 */
	private volatile boolean reconnecting;

	/**
	 * Create a new link.
	 * @param environment the worker environment
	 * @param channel the channel, not connected yet
	 * @param receiver receives the messages that answer no request
	 * @param closed called when the master closes the link
	 * @param reconnected called once the link is connected to a master that replaced the
	 * previous one in place
	 */
	MasterLink(WorkerEnvironment environment, SocketChannel channel, Consumer<ControlMessage> receiver, Runnable closed,
			Runnable reconnected) {
		this.environment = environment;
		this.channel = channel;
		this.receiver = receiver;
		this.closed = closed;
		this.reconnected = reconnected;
	}

	/**
	 * Connect to the master, introduce this worker and start reading.
	 * @throws IOException if the master cannot be reached
	 */
	void connect() throws IOException {
		// Everything slow (the codec's first use) comes before the connection: the master
		// closes connections that do not introduce themselves in time, and a worker
		// starting on a busy machine must not be taken for one
		byte[] hello = this.codec.encode(new ControlMessage.Hello(this.environment.workerId(),
				ProcessHandle.current().pid(), this.environment.token()));
		this.channel = connectWhenListening(this.environment, this.channel);
		write(hello, "hello");
		Thread reader = new Thread(this::readUntilClosed, "forker-master-link");
		reader.setDaemon(true);
		reader.start();
	}

	long nextRequestId() {
		return this.requestIds.incrementAndGet();
	}

	/**
	 * Connect to the master's control socket, waiting while nothing listens there yet:
	 * the first workers start while the application's JVM becomes the master. Gives up
	 * when this process's parent is not the master any more (it is gone) or after
	 * {@link #MASTER_LISTEN_TIMEOUT_NANOS}.
	 */
	private static SocketChannel connectWhenListening(WorkerEnvironment environment, SocketChannel first)
			throws IOException {
		UnixDomainSocketAddress address = UnixDomainSocketAddress.of(environment.controlSocket());
		long deadline = System.nanoTime() + MASTER_LISTEN_TIMEOUT_NANOS;
		SocketChannel channel = first;
		while (true) {
			try {
				channel.connect(address);
				return channel;
			}
			catch (IOException ex) {
				channel.close();
				if (System.nanoTime() - deadline >= 0 || !isChildOf(environment.masterPid())) {
					throw ex;
				}
			}
			try {
				Thread.sleep(MASTER_LISTEN_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new InterruptedIOException("Interrupted while waiting for forker master to listen");
			}
			channel = SocketChannel.open(StandardProtocolFamily.UNIX);
		}
	}

	private static boolean isChildOf(long pid) {
		return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == pid;
	}

	ControlMessage request(long id, ControlMessage request, Duration timeout) {
		return request(id, this.codec.encode(request), timeout);
	}

	/**
	 * Send a request and wait for its answer.
	 * @param id the request's id
	 * @param request the encoded request
	 * @param timeout how long to wait for the answer
	 * @return the answer
	 * @throws MasterUnavailableException at once while the master replaces itself in
	 * place, or when the link closes for that reason before the answer comes
	 * @throws IllegalStateException if the master does not answer in time, or the link
	 * closes
	 */
	ControlMessage request(long id, byte[] request, Duration timeout) {
		PendingRequest reply = new PendingRequest();
		// Registered before the check: the reader fails every pending request once it
		// has set the flag, so a request sees the flag or is failed by the reader
		this.pending.put(id, reply);
		try {
			if (this.reconnecting) {
				throw new MasterUnavailableException(this.environment.masterPid());
			}
			write(request, "request " + id);
			return reply.future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			throw new IllegalStateException("forker master did not answer within " + timeout.toMillis() + "ms", ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof MasterUnavailableException unavailable) {
				throw new MasterUnavailableException(unavailable.getMasterPid());
			}
			throw new IllegalStateException("forker master did not answer", ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for the forker master", ex);
		}
		finally {
			this.pending.remove(id);
		}
	}

	void send(ControlMessage message) {
		write(this.codec.encode(message), message);
	}

	private void write(byte[] encoded, Object message) {
		ByteBuffer bytes = ByteBuffer.wrap(encoded);
		synchronized (this.writeLock) {
			try {
				while (bytes.hasRemaining()) {
					this.channel.write(bytes);
				}
			}
			catch (IOException ex) {
				// The reader sees the broken link and acts on it
				logger.debug("Could not send " + message + " to the forker master", ex);
			}
		}
	}

	private void readUntilClosed() {
		while (true) {
			readUntilEnd();
			boolean replacing = !this.closing && this.masterReplacing;
			this.reconnecting = replacing;
			IllegalStateException gone = replacing ? new MasterUnavailableException(this.environment.masterPid())
					: new IllegalStateException("Link to the forker master is closed");
			this.pending.values().forEach((reply) -> reply.future.completeExceptionally(gone));
			if (!replacing || !reconnect()) {
				break;
			}
		}
		this.closed.run();
	}

	/**
	 * Connect to the master that replaced the one whose link closed, with the same pid
	 * and control socket, within {@link #MASTER_LISTEN_TIMEOUT_NANOS}.
	 * @return whether this worker is connected to the new master
	 */
	private boolean reconnect() {
		try {
			byte[] hello = this.codec.encode(new ControlMessage.Hello(this.environment.workerId(),
					ProcessHandle.current().pid(), this.environment.token()));
			SocketChannel channel = connectToNewMaster();
			synchronized (this.writeLock) {
				this.channel.close();
				this.channel = channel;
				// Before any request: the new master takes a connection that does not
				// introduce itself first for a stranger's
				write(hello, "hello");
				this.reconnecting = false;
			}
			this.reconnected.run();
			logger.info(this.environment.name() + " is connected to the new forker master (pid "
					+ this.environment.masterPid() + ")");
			return true;
		}
		catch (IOException | RuntimeException ex) {
			logger.error("Could not connect to the new forker master (pid " + this.environment.masterPid() + ") at "
					+ this.environment.controlSocket() + ": " + ex);
			return false;
		}
		finally {
			this.masterReplacing = false;
			this.reconnecting = false;
			this.termSignalShield.release();
		}
	}

	/**
	 * Connect to the new master once it listens: on a control socket of its own at the
	 * same path (the replaced master's may accept a connection while its descriptors
	 * close), while the master's process exists, within
	 * {@link #MASTER_LISTEN_TIMEOUT_NANOS}.
	 */
	private SocketChannel connectToNewMaster() throws IOException {
		Path socket = this.environment.controlSocket();
		Path master = Path.of("/proc", Long.toString(this.environment.masterPid()));
		boolean proc = Files.isDirectory(Path.of("/proc/self"));
		long deadline = System.nanoTime() + MASTER_LISTEN_TIMEOUT_NANOS;
		while (true) {
			Object key = fileKey(socket);
			if (key != null && !key.equals(this.replacedControlSocket)) {
				SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
				try {
					channel.connect(UnixDomainSocketAddress.of(socket));
					return channel;
				}
				catch (IOException ex) {
					channel.close();
				}
			}
			if (System.nanoTime() - deadline >= 0 || (proc && !Files.isDirectory(master))) {
				throw new IOException("The new forker master does not listen at " + socket);
			}
			try {
				Thread.sleep(MASTER_LISTEN_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new InterruptedIOException("Interrupted while waiting for the new forker master");
			}
		}
	}

	/**
	 * What tells the new master's control socket from the replaced one's at the same
	 * path: the file's identity and the time it was bound (a file system may give the new
	 * socket the inode number the old one freed).
	 * @param path the control socket
	 * @return its identity, or {@code null} if there is none
	 */
	private static @Nullable Object fileKey(Path path) {
		try {
			BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
			return Arrays.asList(attributes.fileKey(), attributes.lastModifiedTime());
		}
		catch (IOException ex) {
			return null;
		}
	}

	private void readUntilEnd() {
		ByteBuffer buffer = ByteBuffer.allocate(8192);
		LineFramer framer = new LineFramer(ControlCodec.MAX_MESSAGE_BYTES);
		LineFramer.Handler handler = new LineFramer.Handler() {

			@Override
			public void line(byte[] bytes, int offset, int length) {
				receive(bytes, offset, length);
			}

			@Override
			public void oversized(int limit) {
				logger.warn("Skipped a control message from the master longer than " + limit + " bytes");
			}

		};
		try {
			while (this.channel.read(buffer) >= 0) {
				buffer.flip();
				framer.feed(buffer, handler);
				buffer.clear();
			}
		}
		catch (IOException ex) {
			logger.debug("Link to the forker master failed", ex);
		}
	}

	private void receive(byte[] bytes, int offset, int length) {
		ControlMessage message;
		try {
			message = this.codec.decode(bytes, offset, length);
		}
		catch (InvalidControlMessageException ex) {
			logger.warn("Ignored an invalid control message from the master: " + ex.getMessage());
			return;
		}
		if (message instanceof ControlMessage.StatusReply reply) {
			PendingRequest request = this.pending.get(reply.requestId());
			if (request != null) {
				request.part(reply);
			}
		}
		else if (message instanceof ControlMessage.CommandReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.DatabaseTurnReply reply) {
			complete(reply.requestId(), reply);
		}
		else if (message instanceof ControlMessage.MasterReplacing) {
			// Before the link closes: the master's execve may end the thread that
			// started this worker, which then gets its parent-death signal
			this.termSignalShield.hold();
			this.replacedControlSocket = fileKey(this.environment.controlSocket());
			this.masterReplacing = true;
			logger.info("forker master (pid " + this.environment.masterPid() + ") replaces itself in place: "
					+ this.environment.name() + " keeps serving and connects to the new master");
			// The agent gives its roles up, then says it is ready for the new master
			this.receiver.accept(message);
		}
		else {
			this.receiver.accept(message);
		}
	}

	private void complete(long requestId, ControlMessage reply) {
		PendingRequest request = this.pending.get(requestId);
		if (request != null) {
			request.future.complete(reply);
		}
	}

	@Override
	public void close() throws IOException {
		this.closing = true;
		this.channel.close();
	}

	/**
	 * A request waiting for its answer, which can come in parts.
	 */
	private static final class PendingRequest {

		private final CompletableFuture<ControlMessage> future = new CompletableFuture<>();

		private final List<ForkerStatus.Worker> workers = new ArrayList<>();

		private int parts;

		synchronized void part(ControlMessage.StatusReply reply) {
			this.workers.addAll(reply.status().workers());
			this.parts++;
			if (this.parts >= reply.parts()) {
				ForkerStatus status = new ForkerStatus(reply.status().master(), this.workers);
				this.future.complete(new ControlMessage.StatusReply(reply.requestId(), status, 1, 1));
			}
		}

	}

}
