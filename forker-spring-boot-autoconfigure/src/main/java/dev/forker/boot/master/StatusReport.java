package dev.forker.boot.master;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.posix.ExitStatus;

/**
 * The master's view of itself and its workers, as {@code /actuator/forker} shows it, in
 * parts that each fit in one control message.
 *
 * @since 0.1.0
 */
final class StatusReport {

	static final int WORKERS_PER_PART = 64;

	private final long masterPid;

	private final String mode;

	private final List<ServedPort> ports;

	private final long startedNanos;

	private final Instant startedAt;

	StatusReport(long masterPid, String mode, List<ServedPort> ports, long startedNanos, Instant startedAt) {
		this.masterPid = masterPid;
		this.mode = mode;
		this.ports = List.copyOf(ports);
		this.startedNanos = startedNanos;
		this.startedAt = startedAt;
	}

	ForkerStatus build(long now, WorkerTable table, @Nullable String rollingRestart, Map<Long, List<String>> roles) {
		List<ForkerStatus.Worker> workers = new ArrayList<>();
		table.processes()
			.stream()
			.sorted(Comparator.comparingInt(WorkerProcess::id).thenComparingLong(WorkerProcess::startedNanos))
			.forEach((process) -> {
				WorkerSlot slot = table.slot(process.id());
				ExitStatus lastExit = (slot != null) ? slot.lastExit() : null;
				workers.add(new ForkerStatus.Worker(process.id(), process.pid(), process.state().displayName(),
						process.startedAt(), TimeUnit.NANOSECONDS.toSeconds(now - process.startedNanos()),
						(slot != null) ? slot.restarts() : 0, process.lastHeartbeatAt(), process.health(),
						process.requests(), process.connections(), (lastExit != null) ? lastExit.toString() : null,
						roles.getOrDefault(process.pid(), List.of())));
			});
		Map<String, Integer> ports = new LinkedHashMap<>();
		this.ports.forEach((served) -> ports.put(served.property(), served.port()));
		ForkerStatus.Master master = new ForkerStatus.Master(this.masterPid, this.mode, this.ports.get(0).port(), ports,
				this.startedAt, TimeUnit.NANOSECONDS.toSeconds(now - this.startedNanos), table.slotCount(),
				table.readyCount(), rollingRestart);
		return new ForkerStatus(master, workers);
	}

	/**
	 * Return the roles the workers hold, by pid.
	 * @param scheduler the holder of the scheduler role
	 * @param database the database initialization
	 * @return the display names of the roles, by pid
	 */
	static Map<Long, List<String>> roles(RoleHolder scheduler, DatabaseInitialization database) {
		Map<Long, List<String>> roles = new HashMap<>();
		WorkerProcess holder = scheduler.holder();
		if (holder != null) {
			roles.computeIfAbsent(holder.pid(), (pid) -> new ArrayList<>()).add(scheduler.displayName());
		}
		WorkerProcess initializer = database.initializer();
		if (initializer != null) {
			roles.computeIfAbsent(initializer.pid(), (pid) -> new ArrayList<>()).add("database-initializer");
		}
		return roles;
	}

	/**
	 * Split a status into parts of at most {@value #WORKERS_PER_PART} workers, each with
	 * the master.
	 * @param status the status
	 * @return the parts, at least one
	 */
	static List<ForkerStatus> parts(ForkerStatus status) {
		List<ForkerStatus.Worker> workers = status.workers();
		List<ForkerStatus> parts = new ArrayList<>();
		for (int from = 0; from == 0 || from < workers.size(); from += WORKERS_PER_PART) {
			parts.add(new ForkerStatus(status.master(),
					workers.subList(from, Math.min(workers.size(), from + WORKERS_PER_PART))));
		}
		return parts;
	}

}
