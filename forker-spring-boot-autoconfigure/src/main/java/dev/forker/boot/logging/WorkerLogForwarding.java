package dev.forker.boot.logging;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * A worker's end of log forwarding: each of its file appenders that the master also has
 * (same name, same file) is replaced by one that forwards what it formats to the master.
 * A file appender the master does not have stays, with a warning that says what to
 * change: several workers writing one file lose lines when it rolls.
 *
 * @since 0.1.0
 */
final class WorkerLogForwarding {

	private static final Log logger = LogFactory.getLog(WorkerLogForwarding.class);

	private static final long WELCOME_TIMEOUT_MILLIS = 10_000;

	private WorkerLogForwarding() {
	}

	static void install(WorkerEnvironment worker, Path socket) {
		LoggerContext context = FileAppenders.context();
		if (context == null) {
			return;
		}
		List<FileAppenders.Attachment> attachments = FileAppenders.find(context);
		if (attachments.isEmpty()) {
			return;
		}
		List<FileAppender<ILoggingEvent>> appenders = new ArrayList<>();
		List<LogProtocol.AppenderFile> files = new ArrayList<>();
		for (FileAppenders.Attachment attachment : attachments) {
			if (!appenders.contains(attachment.appender())) {
				appenders.add(attachment.appender());
				files.add(new LogProtocol.AppenderFile(attachment.appender().getName(),
						FileAppenders.path(attachment.appender())));
			}
		}
		Connection connection;
		List<String> accepted;
		try {
			connection = Connection.open(socket);
			accepted = connection.introduce(
					new LogProtocol.Hello(worker.workerId(), ProcessHandle.current().pid(), worker.token(), files));
		}
		catch (IOException ex) {
			logger.warn("forker: could not hand this worker's log files to the master (" + ex.getMessage()
					+ "): this worker writes them itself, and lines may be lost when they roll");
			return;
		}
		for (FileAppenders.Attachment attachment : attachments) {
			FileAppender<ILoggingEvent> original = attachment.appender();
			if (!accepted.contains(original.getName())) {
				continue;
			}
			Forwarding forwarding = new Forwarding(connection, appenders.indexOf(original), original.getEncoder());
			forwarding.setName(original.getName());
			forwarding.setContext(context);
			original.getCopyOfAttachedFiltersList().forEach(forwarding::addFilter);
			forwarding.start();
			attachment.attachable().detachAppender(original);
			attachment.attachable().addAppender(forwarding);
			original.stop();
		}
		for (FileAppender<ILoggingEvent> appender : appenders) {
			if (!accepted.contains(appender.getName())) {
				logger.warn("forker: the log file appender '" + appender.getName() + "' (" + appender.getFile()
						+ ") of this application's logging configuration is not one the master writes, so every "
						+ "worker writes that file itself and lines are lost when it rolls. Log to that file through "
						+ "logging.file.name or logging.file.path, or give each process its own file, for example "
						+ "with ${FORKER_WORKER_ID:-master} in its name.");
			}
		}
	}

	/**
	 * A file appender of the worker that hands its formatted events to the master.
	 */
	private static final class Forwarding extends UnsynchronizedAppenderBase<ILoggingEvent> {

		private final Connection connection;

		private final int index;

		private final Encoder<ILoggingEvent> encoder;

		Forwarding(Connection connection, int index, Encoder<ILoggingEvent> encoder) {
			this.connection = connection;
			this.index = index;
			this.encoder = encoder;
		}

		@Override
		protected void append(ILoggingEvent event) {
			try {
				this.connection.send(this.index, this.encoder.encode(event));
			}
			catch (IOException ex) {
				addError("Could not hand a log event to the forker master", ex);
			}
		}

	}

	/**
	 * The connection to the master's log server.
	 */
	private static final class Connection {

		private final SocketChannel channel;

		private Connection(SocketChannel channel) {
			this.channel = channel;
		}

		static Connection open(Path socket) throws IOException {
			SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
			try {
				channel.connect(UnixDomainSocketAddress.of(socket));
				return new Connection(channel);
			}
			catch (IOException ex) {
				channel.close();
				throw ex;
			}
		}

		List<String> introduce(LogProtocol.Hello hello) throws IOException {
			byte[] json = LogProtocol.mapper.writeValueAsBytes(hello);
			writeFully(ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip());
			byte[] answer = readLine();
			return LogProtocol.mapper.readValue(answer, LogProtocol.Welcome.class).accepted();
		}

		private byte[] readLine() throws IOException {
			this.channel.configureBlocking(false);
			try (Selector selector = Selector.open()) {
				this.channel.register(selector, SelectionKey.OP_READ);
				ByteBuffer line = ByteBuffer.allocate(LogProtocol.MAX_LINE_BYTES);
				long deadline = System.currentTimeMillis() + WELCOME_TIMEOUT_MILLIS;
				while (System.currentTimeMillis() < deadline) {
					selector.select(100);
					selector.selectedKeys().clear();
					if (this.channel.read(line) < 0) {
						throw new IOException("the master closed the log connection");
					}
					for (int i = 0; i < line.position(); i++) {
						if (line.get(i) == '\n') {
							byte[] bytes = new byte[i];
							line.flip().get(bytes);
							return bytes;
						}
					}
				}
				throw new IOException("the master did not answer within " + WELCOME_TIMEOUT_MILLIS + "ms");
			}
			finally {
				// The selector is closed by now, so the channel can block again
				this.channel.configureBlocking(true);
			}
		}

		synchronized void send(int index, byte[] bytes) throws IOException {
			writeFully(LogProtocol.header(index, bytes.length));
			writeFully(ByteBuffer.wrap(bytes));
		}

		private void writeFully(ByteBuffer buffer) throws IOException {
			while (buffer.hasRemaining()) {
				this.channel.write(buffer);
			}
		}

	}

}
