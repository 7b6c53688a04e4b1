package dev.forker.boot.master;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.WorkerState;

/**
 * What the master knows of its workers: the worker ids it keeps filled (slots), the
 * processes that have not been reaped, and the control connection of each process. Owned
 * by the master's thread.
 *
 * @since 0.1.0
 */
final class WorkerTable {

	private final Map<Integer, WorkerSlot> slots = new TreeMap<>();

	private final Map<Long, WorkerProcess> processes = new HashMap<>();

	private final Map<ControlLink, WorkerProcess> links = new HashMap<>();

	// Slots

	WorkerSlot addSlot(int id) {
		WorkerSlot slot = new WorkerSlot(id);
		this.slots.put(id, slot);
		return slot;
	}

	@Nullable WorkerSlot removeSlot(int id) {
		return this.slots.remove(id);
	}

	@Nullable WorkerSlot slot(int id) {
		return this.slots.get(id);
	}

	/**
	 * Return the slots, by id.
	 * @return a copy of the slots
	 */
	List<WorkerSlot> slots() {
		return new ArrayList<>(this.slots.values());
	}

	Collection<Integer> slotIds() {
		return List.copyOf(this.slots.keySet());
	}

	int slotCount() {
		return this.slots.size();
	}

	// Processes

	void add(WorkerProcess process) {
		this.processes.put(process.pid(), process);
	}

	@Nullable WorkerProcess process(long pid) {
		return this.processes.get(pid);
	}

	/**
	 * Forget a reaped process and its control connection.
	 * @param pid the pid the process had
	 * @return the process, or {@code null} if it was not a worker of this table
	 */
	@Nullable WorkerProcess remove(long pid) {
		WorkerProcess process = this.processes.remove(pid);
		if (process != null) {
			ControlLink link = process.link();
			if (link != null) {
				this.links.remove(link);
				process.link(null);
				link.close();
			}
		}
		return process;
	}

	/**
	 * Return the processes that have not been reaped.
	 * @return a copy of the processes
	 */
	List<WorkerProcess> processes() {
		return new ArrayList<>(this.processes.values());
	}

	boolean hasProcesses() {
		return !this.processes.isEmpty();
	}

	int processCount() {
		return this.processes.size();
	}

	int readyCount() {
		return (int) this.processes.values().stream().filter((process) -> process.state() == WorkerState.READY).count();
	}

	// Control connections

	void bind(ControlLink link, WorkerProcess process) {
		this.links.put(link, process);
		process.link(link);
	}

	boolean isBound(ControlLink link) {
		return this.links.containsKey(link);
	}

	@Nullable WorkerProcess processOf(ControlLink link) {
		return this.links.get(link);
	}

	void unbind(ControlLink link) {
		WorkerProcess process = this.links.remove(link);
		if (process != null && process.link() == link) {
			process.link(null);
		}
	}

	List<ControlLink> links() {
		return List.copyOf(this.links.keySet());
	}

	// The numbers every worker is told

	ControlMessage.HeartbeatAck summary() {
		return new ControlMessage.HeartbeatAck(slotCount(), readyCount());
	}

	/**
	 * Tell every worker the new numbers at once, rather than in the answer to its next
	 * heartbeat, so that their health follows without delay.
	 */
	void broadcastSummary() {
		ControlMessage.HeartbeatAck summary = summary();
		for (ControlLink link : links()) {
			link.send(summary);
		}
	}

}
