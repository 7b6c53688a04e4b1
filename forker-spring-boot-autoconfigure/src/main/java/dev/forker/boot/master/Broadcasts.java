package dev.forker.boot.master;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.WorkerState;

/**
 * Broadcasts from one worker to every other, acknowledged: the master delivers a worker's
 * {@link ControlMessage.Broadcast} to every other worker whose control link is bound and
 * that is not being killed (starting, ready or stopping), waits for each to acknowledge
 * it, and answers the sender once all did, or once the broadcast's timeout passed. A
 * worker whose link closes or that exits is no longer waited for, and one that does not
 * answer in time is counted as missing: neither holds up the sender for longer than the
 * timeout.
 * <p>
 * Nothing here waits: the master's loop calls {@link #tick(long)} to time broadcasts out.
 * At most {@link #MAX_PENDING} broadcasts are pending at once; more are refused, as are
 * topics longer than {@link #MAX_TOPIC_LENGTH}. The payload is bounded by the size of a
 * control message.
 *
 * @since 0.1.0
 */
final class Broadcasts {

	private static final Log logger = LogFactory.getLog(Broadcasts.class);

	static final int MAX_PENDING = 1024;

	static final int MAX_TOPIC_LENGTH = 256;

	static final long MAX_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final Map<Long, Pending> pending = new LinkedHashMap<>();

	private long lastDeliveryId;

	/**
	 * A worker broadcasts: deliver to every other worker, or refuse.
	 * @param sender the worker that broadcasts
	 * @param broadcast its message
	 * @param processes every worker process
	 * @param now the current time, in nanoseconds
	 */
	void broadcast(WorkerProcess sender, ControlMessage.Broadcast broadcast, Collection<WorkerProcess> processes,
			long now) {
		String refusal = refusal(broadcast);
		if (refusal != null) {
			logger.warn("Refused a broadcast of " + sender + ": " + refusal);
			reply(sender, new ControlMessage.BroadcastReply(broadcast.requestId(), 0, 0, refusal));
			return;
		}
		long timeout = Math.min(TimeUnit.MILLISECONDS.toNanos(Math.max(0, broadcast.timeoutMillis())),
				MAX_TIMEOUT_NANOS);
		Pending pending = new Pending(++this.lastDeliveryId, sender, broadcast.requestId(), now + timeout);
		List<WorkerProcess> targets = new ArrayList<>();
		for (WorkerProcess process : processes) {
			if (process != sender && process.link() != null && process.state() != WorkerState.UNRESPONSIVE) {
				targets.add(process);
			}
		}
		pending.waiting.addAll(targets);
		this.pending.put(pending.deliveryId, pending);
		ControlMessage.Delivery delivery = new ControlMessage.Delivery(pending.deliveryId, broadcast.topic(),
				broadcast.payload());
		for (WorkerProcess target : targets) {
			// Sending may close a link that does not read, which drops its worker from
			// the
			// wait (closed) at once
			ControlLink link = target.link();
			if (link != null && pending.waiting.contains(target)) {
				try {
					link.send(delivery);
				}
				catch (IllegalArgumentException ex) {
					// Too large once re-encoded: nobody can be sent it
					this.pending.remove(pending.deliveryId);
					logger.warn("Refused a broadcast of " + sender + ": " + ex.getMessage());
					reply(sender, new ControlMessage.BroadcastReply(broadcast.requestId(), 0, 0, ex.getMessage()));
					return;
				}
			}
			else {
				drop(pending, target);
			}
		}
		completeIfDone(pending);
	}

	private @Nullable String refusal(ControlMessage.Broadcast broadcast) {
		if (broadcast.topic().isEmpty() || broadcast.topic().length() > MAX_TOPIC_LENGTH) {
			return "its topic must have 1 to " + MAX_TOPIC_LENGTH + " characters";
		}
		if (this.pending.size() >= MAX_PENDING) {
			return MAX_PENDING + " broadcasts are waiting for their acknowledgements already";
		}
		return null;
	}

	/**
	 * A worker acknowledged a delivery.
	 * @param process the worker
	 * @param deliveryId the id of the delivery
	 */
	void acknowledged(WorkerProcess process, long deliveryId) {
		Pending pending = this.pending.get(deliveryId);
		if (pending != null && pending.waiting.remove(process)) {
			pending.delivered++;
			completeIfDone(pending);
		}
	}

	/**
	 * A worker's link closed, or the worker exited: it is not waited for any more, and
	 * its own broadcasts are not answered.
	 * @param process the worker
	 */
	void gone(WorkerProcess process) {
		for (Pending pending : new ArrayList<>(this.pending.values())) {
			if (pending.sender == process) {
				this.pending.remove(pending.deliveryId);
			}
			else if (this.pending.containsKey(pending.deliveryId) && pending.waiting.contains(process)) {
				drop(pending, process);
				completeIfDone(pending);
			}
		}
	}

	/**
	 * Answer the broadcasts whose timeout has passed.
	 * @param now the current time, in nanoseconds
	 */
	void tick(long now) {
		for (Pending pending : new ArrayList<>(this.pending.values())) {
			if (now - pending.deadlineNanos >= 0 && this.pending.containsKey(pending.deliveryId)) {
				logger.warn("Broadcast " + pending.deliveryId + " of " + pending.sender + ": "
						+ describe(pending.waiting) + " did not acknowledge it in time");
				pending.missing += pending.waiting.size();
				pending.waiting.clear();
				completeIfDone(pending);
			}
		}
	}

	/**
	 * Return when the next broadcast times out.
	 * @param next the time to return if none does earlier, in nanoseconds
	 * @return the earliest deadline, in nanoseconds
	 */
	long nextDeadline(long next) {
		long earliest = next;
		for (Pending pending : this.pending.values()) {
			if (pending.deadlineNanos - earliest < 0) {
				earliest = pending.deadlineNanos;
			}
		}
		return earliest;
	}

	/**
	 * Return the number of broadcasts waiting for acknowledgements.
	 * @return the number
	 */
	int pendingCount() {
		return this.pending.size();
	}

	private void drop(Pending pending, WorkerProcess process) {
		if (pending.waiting.remove(process)) {
			pending.missing++;
		}
	}

	private void completeIfDone(Pending pending) {
		if (pending.waiting.isEmpty() && this.pending.remove(pending.deliveryId) != null) {
			reply(pending.sender,
					new ControlMessage.BroadcastReply(pending.requestId, pending.delivered, pending.missing, null));
		}
	}

	private static void reply(WorkerProcess sender, ControlMessage.BroadcastReply reply) {
		ControlLink link = sender.link();
		if (link != null) {
			link.send(reply);
		}
	}

	private static String describe(Collection<WorkerProcess> processes) {
		List<String> names = new ArrayList<>();
		processes.forEach((process) -> names.add(process.toString()));
		return String.join(", ", names);
	}

	/**
	 * A broadcast waiting for acknowledgements.
	 */
	private static final class Pending {

		private final long deliveryId;

		private final WorkerProcess sender;

		private final long requestId;

		private final long deadlineNanos;

		private final Set<WorkerProcess> waiting = new LinkedHashSet<>();

		private int delivered;

		private int missing;

		Pending(long deliveryId, WorkerProcess sender, long requestId, long deadlineNanos) {
			this.deliveryId = deliveryId;
			this.sender = sender;
			this.requestId = requestId;
			this.deadlineNanos = deadlineNanos;
		}

	}

}
