package dev.forker.boot.master;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.diagnostics.Durations;

/**
 * An in-place upgrade of the whole deployment ({@code SIGUSR2}): the new version is
 * checked in a child process; if it passes, every worker is told that the master replaces
 * itself (so that it reconnects instead of stopping when the link closes), then the
 * master executes the new version with the same pid, which adopts the workers and
 * replaces them one at a time. If the check fails, or does not end within
 * {@code forker.upgrade.check-timeout}, nothing changes. Runs on the master's thread.
 *
 * @since 0.1.0
 */
final class InPlaceUpgrade {

	private static final Log logger = LogFactory.getLog(InPlaceUpgrade.class);

	/**
	 * Time the workers get to answer that they will reconnect, before the master replaces
	 * itself anyway.
	 */
	static final long HANDOVER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

	private final WorkerTable table;

	private final Consumer<Runnable> post;

	private List<Integer> rollWhenReady = List.of();

	private final long masterPid;

	private final Duration checkTimeout;

	private final MasterClock clock;

	private MasterReplacement replacement = MasterReplacement.NONE;

	private Phase phase = Phase.IDLE;

	private final List<Consumer<ControlMessage.CommandReply>> replies = new ArrayList<>();

	private final Set<Long> awaiting = new HashSet<>();

	private long handoverDeadlineNanos;

	private long checkDeadlineNanos;

	/**
	 * Number of checks begun: a check's result counts only while it is the last one.
	 */
	private long checks;

	InPlaceUpgrade(WorkerTable table, Consumer<Runnable> post, long masterPid, Duration checkTimeout,
			MasterClock clock) {
		this.table = table;
		this.post = post;
		this.masterPid = masterPid;
		this.checkTimeout = checkTimeout;
		this.clock = clock;
	}

	/**
	 * Replace these workers of the previous version once every worker is ready.
	 * @param ids the ids of the workers adopted from the replaced master
	 */
	void rollWhenReady(List<Integer> ids) {
		this.rollWhenReady = List.copyOf(ids);
	}

	/**
	 * Forget the adopted workers beyond the number of workers configured now: they stop.
	 * @param workers the number of workers
	 */
	void retainWorkers(int workers) {
		this.rollWhenReady = this.rollWhenReady.stream().filter((id) -> id <= workers).toList();
	}

	/**
	 * Once every worker is ready, begin replacing the workers of the previous version.
	 * @param rollingRestart the rolling restart
	 * @param database the database initialization, a new deployment from now
	 */
	void rollIfAllReady(RollingRestart rollingRestart, DatabaseInitialization database) {
		if (!this.rollWhenReady.isEmpty() && this.table.readyCount() >= this.table.slotCount()
				&& rollingRestart.idle()) {
			rollingRestart.begin(this.rollWhenReady, "in-place upgrade");
			database.newDeployment();
			logger.info("In-place upgrade: all " + this.table.slotCount() + " workers are ready; replacing the "
					+ this.rollWhenReady.size() + " of the previous version one at a time");
			this.rollWhenReady = List.of();
		}
	}

	/**
	 * Begin an upgrade if the deployment can take one now.
	 * @param origin what asked for it
	 * @param stopping whether the master is stopping
	 * @param rollingRestart the rolling restart, which must be idle
	 * @param reply receives the outcome of the check
	 */
	void request(String origin, boolean stopping, RollingRestart rollingRestart,
			Consumer<ControlMessage.CommandReply> reply) {
		String refusal = null;
		if (stopping) {
			refusal = "the master is stopping";
		}
		else if (!rollingRestart.idle()) {
			refusal = "a rolling restart is in progress: " + rollingRestart.describe();
		}
		else if (this.table.readyCount() < this.table.slotCount()
				|| this.table.processCount() != this.table.slotCount()) {
			refusal = "not every worker is ready (" + this.table.readyCount() + " of " + this.table.slotCount()
					+ " ready, " + this.table.processCount() + " processes): try again once they are";
		}
		begin(origin, refusal, reply);
	}

	void replacement(MasterReplacement replacement) {
		this.replacement = replacement;
	}

	boolean idle() {
		return this.phase == Phase.IDLE;
	}

	/**
	 * Begin an upgrade, unless {@code refusal} says why not.
	 * @param origin what asked for it
	 * @param refusal why the master cannot upgrade now, or {@code null}
	 * @param reply receives the outcome of the check
	 */
	void begin(String origin, @Nullable String refusal, Consumer<ControlMessage.CommandReply> reply) {
		if (this.phase != Phase.IDLE) {
			refuse("an in-place upgrade is in progress", reply);
			return;
		}
		if (refusal != null) {
			refuse(refusal, reply);
			return;
		}
		this.phase = Phase.CHECKING;
		this.replies.add(reply);
		long check = ++this.checks;
		this.checkDeadlineNanos = this.clock.nanoTime() + this.checkTimeout.toNanos();
		logger.info("In-place upgrade (" + origin + "): checking the new version in a child process first; the "
				+ "running deployment is untouched until it passes");
		this.replacement.check((failure) -> this.post.accept(() -> checked(check, failure)));
	}

	private void refuse(String reason, Consumer<ControlMessage.CommandReply> reply) {
		String message = "In-place upgrade refused: " + reason;
		logger.warn(message);
		reply.accept(new ControlMessage.CommandReply(0, false, message));
	}

	private void checked(long check, @Nullable String failure) {
		if (this.phase != Phase.CHECKING || check != this.checks) {
			// A check that was abandoned when it timed out
			return;
		}
		if (failure != null) {
			String message = "In-place upgrade failed: the new version did not pass its check, the running "
					+ "deployment carries on unchanged: " + failure;
			logger.error(message);
			finish(false, message);
			return;
		}
		this.phase = Phase.HANDING_OVER;
		this.awaiting.clear();
		for (ControlLink link : this.table.links()) {
			link.send(new ControlMessage.MasterReplacing());
		}
		this.table.processes()
			.stream()
			.filter((process) -> process.link() != null)
			.forEach((process) -> this.awaiting.add(process.pid()));
		this.handoverDeadlineNanos = this.clock.nanoTime() + HANDOVER_TIMEOUT_NANOS;
		String message = "In-place upgrade: the new version passed its check; the master (pid " + this.masterPid
				+ ") replaces itself and keeps its " + this.table.processCount() + " workers and its sockets";
		logger.info(message);
		for (Consumer<ControlMessage.CommandReply> reply : this.replies) {
			reply.accept(new ControlMessage.CommandReply(0, true, message));
		}
		this.replies.clear();
		if (this.awaiting.isEmpty()) {
			replace();
		}
	}

	void readyForNewMaster(WorkerProcess process) {
		if (this.phase == Phase.HANDING_OVER && this.awaiting.remove(process.pid()) && this.awaiting.isEmpty()) {
			replace();
		}
	}

	void tick() {
		long now = this.clock.nanoTime();
		if (this.phase == Phase.CHECKING && now - this.checkDeadlineNanos >= 0) {
			checkTimedOut();
		}
		else if (this.phase == Phase.HANDING_OVER && now - this.handoverDeadlineNanos >= 0) {
			logger.warn("In-place upgrade: " + this.awaiting.size() + " workers did not answer within "
					+ TimeUnit.NANOSECONDS.toSeconds(HANDOVER_TIMEOUT_NANOS) + "s; replacing the master anyway");
			replace();
		}
	}

	/**
	 * The master stops: a check under way is killed rather than left behind, and the
	 * upgrade refused.
	 */
	void stopping() {
		if (this.phase == Phase.CHECKING) {
			this.replacement.abandonCheck();
			String message = "In-place upgrade refused: the master is stopping; its check of the new version was "
					+ "killed";
			logger.warn(message);
			finish(false, message);
		}
	}

	/**
	 * Kill a check that hangs (a new version that waits for something at its start) and
	 * refuse the upgrade: the running deployment is untouched, and the next upgrade can
	 * begin. A warning, not an error: nothing failed that serves.
	 */
	private void checkTimedOut() {
		this.replacement.abandonCheck();
		String timeout = Durations.format(this.checkTimeout);
		String message = "In-place upgrade refused: the check of the new version did not end within " + timeout
				+ " (forker.upgrade.check-timeout=" + timeout + "), so it was killed and the running deployment "
				+ "carries on unchanged. Find out in its output above what the new version waits for at its start "
				+ "(a configuration server or database it cannot reach, for example) and upgrade again; if it only "
				+ "needs longer, set forker.upgrade.check-timeout higher (the master reads it at its start)";
		logger.warn(message);
		finish(false, message);
	}

	private void replace() {
		List<WorkerProcesses.Started> workers = new ArrayList<>();
		for (WorkerProcess process : this.table.processes()) {
			workers.add(new WorkerProcesses.Started(process.id(), process.pid(), process.token(), process.startedAt()));
		}
		String failure = this.replacement.replace(workers);
		logger.error("In-place upgrade failed: " + failure + "; the master carries on with the running version");
		finish(false, failure);
	}

	private void finish(boolean accepted, String message) {
		this.phase = Phase.IDLE;
		this.awaiting.clear();
		for (Consumer<ControlMessage.CommandReply> reply : this.replies) {
			reply.accept(new ControlMessage.CommandReply(0, accepted, message));
		}
		this.replies.clear();
	}

	private enum Phase {

		IDLE, CHECKING, HANDING_OVER

	}

}
