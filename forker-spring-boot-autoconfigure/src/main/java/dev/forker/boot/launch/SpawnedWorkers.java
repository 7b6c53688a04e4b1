package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

import jnr.constants.platform.Signal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlServer;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.master.ProcessSignal;
import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.posix.ExitStatus;
import dev.forker.boot.posix.PosixProcesses;
import dev.forker.boot.posix.SpawnPlan;

/**
 * Worker processes started with {@code posix_spawn} and reaped with {@code waitpid}.
 * <p>
 * One reaper thread waits for any child to exit without reaping it, hands the pid to the
 * master's thread, and waits until that thread has reaped it. So a process is reaped only
 * on the thread that signals it, and a signal never reaches a pid that was reused. As
 * {@code PID 1} in a container, the master inherits orphaned processes: they are reaped
 * the same way, so no zombie accumulates.
 *
 * @since 0.1.0
 */
final class SpawnedWorkers implements WorkerProcesses {

	private static final Log logger = LogFactory.getLog(SpawnedWorkers.class);

	private final PosixProcesses posix;

	private final WorkerCommand command;

	private final ParentDeathSignal parentDeathSignal;

	private final long masterPid;

	private final Path controlSocket;

	private volatile @Nullable Path logSocket;

	private final List<ServedPort> ports;

	private final Duration heartbeatInterval;

	private final Set<Long> spawned = ConcurrentHashMap.newKeySet();

	private final Map<Long, String> identities = new ConcurrentHashMap<>();

	private final Map<Long, Consumer<ExitStatus>> others = new ConcurrentHashMap<>();

	private final Queue<Long> exited = new ConcurrentLinkedQueue<>();

	private final Semaphore reaped = new Semaphore(0);

	private final Object childrenLock = new Object();

	private long spawns;

	SpawnedWorkers(PosixProcesses posix, WorkerCommand command, ParentDeathSignal parentDeathSignal, long masterPid,
			Path controlSocket, List<ServedPort> ports, Duration heartbeatInterval) {
		this.posix = posix;
		this.command = command;
		this.parentDeathSignal = parentDeathSignal;
		this.masterPid = masterPid;
		this.controlSocket = controlSocket;
		this.ports = List.copyOf(ports);
		this.heartbeatInterval = heartbeatInterval;
	}

	/**
	 * Create the worker processes of a master.
	 * @param posix the POSIX functions
	 * @param config the master's configuration
	 * @param masterPid the master's pid
	 * @return the worker processes
	 */
	static SpawnedWorkers of(PosixProcesses posix, MasterConfig config, long masterPid) {
		ForkerProperties.Worker settings = config.properties().getWorker();
		WorkerMemory memory = WorkerMemory.of(config.properties(), config.commandLine(), config.processors(),
				config.workerEnvironment());
		WorkerCommand command = new WorkerCommand(config.commandLine(), config.cache(), settings.getJvmArgs(),
				settings.isAutoSize(), config.processors(), config.workerEnvironment(), memory);
		return new SpawnedWorkers(posix, command, ParentDeathSignal.of(settings.isParentDeathSignal()), masterPid,
				ControlServer.socketPath(config.directory()), config.ports(), settings.getHeartbeatInterval());
	}

	/**
	 * Take over a worker process that this process started before it became the
	 * lightweight master.
	 * @param worker the worker
	 */
	void adopt(WorkerProcesses.Started worker) {
		this.spawned.add(worker.pid());
		this.identities.put(worker.pid(), worker.workerId() + ":" + worker.token());
		synchronized (this.childrenLock) {
			this.spawns++;
			this.childrenLock.notifyAll();
		}
	}

	/**
	 * Start watching for exits.
	 * @param onExit called on the reaper thread when a child has exited: the master then
	 * calls {@link #reapExited()} on its own thread
	 */
	void watch(Runnable onExit) {
		Thread reaper = new Thread(() -> awaitExits(onExit), "forker-reaper");
		reaper.setDaemon(true);
		reaper.start();
	}

	@Override
	public long start(int workerId, String token, int workers) throws IOException {
		List<ServedPort> childPorts = new ArrayList<>();
		List<Integer> inherited = new ArrayList<>();
		for (ServedPort port : this.ports) {
			Integer fd = port.fd();
			if (fd != null) {
				childPorts
					.add(new ServedPort(port.property(), port.port(), SpawnPlan.FIRST_INHERITED_FD + inherited.size()));
				inherited.add(fd);
			}
			else {
				childPorts.add(port);
			}
		}
		WorkerSocketMode mode = inherited.isEmpty() ? WorkerSocketMode.REUSEPORT : WorkerSocketMode.INHERITED;
		WorkerEnvironment worker = new WorkerEnvironment(workerId, this.masterPid, this.controlSocket, token, mode,
				childPorts, this.heartbeatInterval, this.logSocket);
		long pid = this.posix.spawn(this.parentDeathSignal.wrap(this.command.command(workers)),
				this.command.environment(worker), inherited);
		this.spawned.add(pid);
		this.identities.put(pid, workerId + ":" + token);
		synchronized (this.childrenLock) {
			this.spawns++;
			this.childrenLock.notifyAll();
		}
		return pid;
	}

	/**
	 * Start a process that is no worker, such as the check of a new version, and be told
	 * how it ended, on the master's thread.
	 * @param argv the command
	 * @param environment its environment
	 * @param onExit called with its exit status once it is reaped
	 * @return its pid
	 * @throws IOException if it cannot be started
	 */
	long spawnOther(List<String> argv, Map<String, String> environment, Consumer<ExitStatus> onExit)
			throws IOException {
		long pid = this.posix.spawn(argv, environment, List.of());
		this.others.put(pid, onExit);
		synchronized (this.childrenLock) {
			this.spawns++;
			this.childrenLock.notifyAll();
		}
		return pid;
	}

	/**
	 * Kill a process started with {@link #spawnOther} and every process of its process
	 * group, unless it has been reaped already (its pid could be another's then). Call on
	 * the master's thread, which reaps.
	 * @param pid the pid of the process
	 * @return whether it had not been reaped yet and was sent {@code SIGKILL}
	 */
	boolean killOther(long pid) {
		if (!this.others.containsKey(pid)) {
			return false;
		}
		this.posix.signalGroup(pid, Signal.SIGKILL);
		return true;
	}

	/**
	 * Set the socket to which workers started from now on forward their log files.
	 * @param logSocket the socket
	 */
	void logSocket(Path logSocket) {
		this.logSocket = logSocket;
	}

	/**
	 * Return whether a process is a running worker with the given id and token.
	 * @param workerId the worker id
	 * @param pid the pid
	 * @param token the token
	 * @return whether it is
	 */
	boolean isWorker(int workerId, long pid, String token) {
		String identity = this.identities.get(pid);
		return identity != null && MessageDigest.isEqual(identity.getBytes(StandardCharsets.UTF_8),
				(workerId + ":" + token).getBytes(StandardCharsets.UTF_8));
	}

	@Override
	public void signal(long pid, ProcessSignal signal) {
		this.posix.signal(pid, signal(signal));
	}

	@Override
	public void signalGroup(long pid, ProcessSignal signal) {
		this.posix.signalGroup(pid, signal(signal));
	}

	private static Signal signal(ProcessSignal signal) {
		return switch (signal) {
			case TERM -> Signal.SIGTERM;
			case KILL -> Signal.SIGKILL;
			case QUIT -> Signal.SIGQUIT;
			case CONT -> Signal.SIGCONT;
		};
	}

	@Override
	public List<Exit> reapExited() {
		List<Exit> exits = new ArrayList<>();
		Long pid;
		while ((pid = this.exited.poll()) != null) {
			boolean worker = this.spawned.remove(pid);
			this.identities.remove(pid);
			if (worker) {
				// The exited worker still holds its pid as a zombie, so its process group
				// cannot be another's: what is left of it goes now
				this.posix.signalGroup(pid, Signal.SIGKILL);
			}
			PosixProcesses.Exit exit = this.posix.reap(pid);
			if (exit != null) {
				if (worker) {
					deleteMetricsSocket(pid);
					exits.add(new Exit(exit.pid(), exit.status()));
				}
				else {
					Consumer<ExitStatus> other = this.others.remove(pid);
					if (other != null) {
						other.accept(exit.status());
					}
					else {
						logger.debug("Reaped orphaned process " + pid + " (" + exit.status() + ")");
					}
				}
			}
			this.reaped.release();
		}
		return exits;
	}

	/**
	 * Delete the metrics socket that a worker killed before it could close it left
	 * behind: one unlink in the master's private directory.
	 */
	private void deleteMetricsSocket(long pid) {
		Path socket = WorkerEnvironment.metricsSocket(this.controlSocket, pid);
		try {
			Files.deleteIfExists(socket);
		}
		catch (IOException ex) {
			logger.debug("Could not delete " + socket, ex);
		}
	}

	private void awaitExits(Runnable onExit) {
		while (true) {
			try {
				long spawns;
				synchronized (this.childrenLock) {
					spawns = this.spawns;
				}
				long pid = this.posix.awaitExit();
				if (pid < 0) {
					awaitSpawnAfter(spawns);
					continue;
				}
				this.exited.add(pid);
				onExit.run();
				this.reaped.acquire();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (IOException | RuntimeException ex) {
				logger.error("forker reaper: waiting for worker exits failed, retrying in 1s", ex);
				sleep();
			}
		}
	}

	private void awaitSpawnAfter(long spawns) throws InterruptedException {
		synchronized (this.childrenLock) {
			while (this.spawns == spawns) {
				this.childrenLock.wait();
			}
		}
	}

	private static void sleep() {
		try {
			Thread.sleep(1000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
