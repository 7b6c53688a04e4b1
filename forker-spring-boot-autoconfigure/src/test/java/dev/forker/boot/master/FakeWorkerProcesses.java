package dev.forker.boot.master;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.forker.boot.posix.ExitStatus;

/**
 * Worker processes that exist only in memory: a test decides when they exit.
 */
class FakeWorkerProcesses implements WorkerProcesses {

	private final Map<Long, Started> started = new LinkedHashMap<>();

	private final List<Signalled> signals = new ArrayList<>();

	private final List<Exit> exits = new ArrayList<>();

	private final List<Long> reaped = new ArrayList<>();

	private long nextPid = 1000;

	private int failingStarts;

	@Override
	public long start(int workerId, String token, int workers) throws IOException {
		if (this.failingStarts > 0) {
			this.failingStarts--;
			throw new IOException("posix_spawnp failed (test)");
		}
		long pid = this.nextPid++;
		this.started.put(pid, new Started(workerId, pid, token, workers));
		return pid;
	}

	@Override
	public void signal(long pid, ProcessSignal signal) {
		requireUnreaped(pid);
		this.signals.add(new Signalled(pid, signal, false));
	}

	@Override
	public void signalGroup(long pid, ProcessSignal signal) {
		requireUnreaped(pid);
		this.signals.add(new Signalled(pid, signal, true));
	}

	private void requireUnreaped(long pid) {
		if (this.reaped.contains(pid)) {
			throw new AssertionError("Signal sent to pid " + pid + ", which was reaped and may belong to another");
		}
	}

	@Override
	public List<Exit> reapExited() {
		List<Exit> exits = List.copyOf(this.exits);
		this.exits.clear();
		exits.forEach((exit) -> this.reaped.add(exit.pid()));
		return exits;
	}

	/**
	 * Make the next starts fail.
	 * @param count how many
	 */
	void failNextStarts(int count) {
		this.failingStarts = count;
	}

	/**
	 * Let a process exit; the master sees it when it reaps.
	 * @param pid the process
	 * @param status how it ended
	 */
	void exit(long pid, ExitStatus status) {
		this.exits.add(new Exit(pid, status));
	}

	List<Started> started() {
		return List.copyOf(this.started.values());
	}

	Started started(long pid) {
		return this.started.get(pid);
	}

	Started lastStarted() {
		List<Started> all = started();
		return all.get(all.size() - 1);
	}

	List<Signalled> signals() {
		return List.copyOf(this.signals);
	}

	List<Signalled> signals(long pid) {
		return this.signals.stream().filter((signal) -> signal.pid() == pid).toList();
	}

	void clearSignals() {
		this.signals.clear();
	}

	record Started(int workerId, long pid, String token, int workers) {
	}

	record Signalled(long pid, ProcessSignal signal, boolean group) {
	}

}
