package dev.forker.boot.master;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ControlServer;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.master.WorkerProcess.StartupFailure;

/**
 * The master's side of the control protocol: it checks who a connection belongs to, keeps
 * what workers say within bounds, and turns each message into an event of the
 * {@link Master}, or hands it to the collaborator that answers it (database turns).
 *
 * @since 0.1.0
 */
final class ControlProtocol implements ControlServer.Handler {

	private static final Log logger = LogFactory.getLog(ControlProtocol.class);

	private static final int MAX_HEALTH_LENGTH = 64;

	private static final int MAX_FAILURE_LENGTH = 8 * 1024;

	private final WorkerTable table;

	private final Master master;

	private final MasterClock clock;

	private final DatabaseInitialization database;

	ControlProtocol(WorkerTable table, Master master, MasterClock clock, DatabaseInitialization database) {
		this.table = table;
		this.master = master;
		this.clock = clock;
		this.database = database;
	}

	@Override
	public void onMessage(ControlLink link, ControlMessage message) {
		if (message instanceof ControlMessage.Hello hello) {
			introduce(link, hello);
			return;
		}
		WorkerProcess process = this.table.processOf(link);
		if (process == null) {
			logger.warn("Closed an anonymous control connection that sent " + message + " before introducing itself");
			link.close();
			return;
		}
		if (message instanceof ControlMessage.Ready) {
			this.master.onReady(process);
		}
		else if (message instanceof ControlMessage.StartupFailed failed) {
			process.startupFailure(new StartupFailure(limit(failed.reason(), MAX_FAILURE_LENGTH),
					limitNullable(failed.description()), limitNullable(failed.action())));
		}
		else if (message instanceof ControlMessage.Heartbeat heartbeat) {
			process.connections(Math.max(0, heartbeat.connections()));
			if (this.master.onHeartbeat(process, limit(heartbeat.health(), MAX_HEALTH_LENGTH), heartbeat.requests())) {
				link.send(this.master.summary());
			}
		}
		else if (message instanceof ControlMessage.StatusRequest request) {
			sendStatus(link, request.requestId());
		}
		else if (message instanceof ControlMessage.CommandRequest request
				&& request.command() == ControlMessage.Command.UPGRADE) {
			// Answered once the new version has passed its check, or failed it
			this.master.upgrade("requested through worker " + process.id(), (reply) -> link
				.send(new ControlMessage.CommandReply(request.requestId(), reply.accepted(), reply.message())));
		}
		else if (message instanceof ControlMessage.ReadyForNewMaster) {
			this.master.onReadyForNewMaster(process);
		}
		else if (message instanceof ControlMessage.CommandRequest request) {
			ControlMessage.CommandReply reply = this.master.execute(request.command(), request.workers(),
					"requested through worker " + process.id());
			link.send(new ControlMessage.CommandReply(request.requestId(), reply.accepted(), reply.message()));
		}
		else if (message instanceof ControlMessage.DatabaseTurnRequest request) {
			link.send(this.database.turn(process, request.requestId()));
		}
		else if (message instanceof ControlMessage.DatabaseInitialized) {
			this.database.done(process, this.table.processes());
		}
		else if (message instanceof ControlMessage.RoleReleased released) {
			this.master.onRoleReleased(process, released.role());
		}
		else {
			logger.warn("Ignored unexpected " + message + " from " + process);
		}
	}

	private void introduce(ControlLink link, ControlMessage.Hello hello) {
		WorkerProcess process = this.table.process(hello.pid());
		if (this.table.isBound(link) || process == null || process.link() != null || process.id() != hello.workerId()
				|| !sameToken(process.token(), hello.token())) {
			logger.warn("Rejected a control connection that claimed to be worker " + hello.workerId() + " (pid "
					+ hello.pid() + ")");
			link.close();
			return;
		}
		link.introduced(process.toString());
		this.table.bind(link, process);
	}

	private void sendStatus(ControlLink link, long requestId) {
		var parts = StatusReport.parts(this.master.status());
		for (int part = 0; part < parts.size(); part++) {
			ForkerStatus status = parts.get(part);
			link.send(new ControlMessage.StatusReply(requestId, status, part + 1, parts.size()));
		}
	}

	@Override
	public void onClosed(ControlLink link) {
		this.table.unbind(link);
	}

	private static boolean sameToken(String expected, @Nullable String actual) {
		return actual != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
				actual.getBytes(StandardCharsets.UTF_8));
	}

	private static String limit(String text, int maxLength) {
		return (text.length() > maxLength) ? text.substring(0, maxLength) : text;
	}

	private static @Nullable String limitNullable(@Nullable String text) {
		return (text != null) ? limit(text, MAX_FAILURE_LENGTH) : null;
	}

}
