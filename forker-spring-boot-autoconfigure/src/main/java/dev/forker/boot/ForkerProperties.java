package dev.forker.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of forker's prefork mode.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("forker")
public class ForkerProperties {

	/**
	 * Whether to run in prefork mode: the started process becomes a master that starts
	 * and supervises worker JVMs, which all serve server.port.
	 */
	private boolean enabled;

	/**
	 * Number of worker JVMs. Defaults to the number of available processors.
	 */
	private @Nullable Integer workers;

	/**
	 * How the workers share the server port: one listening socket that the master opens
	 * and passes to every worker (shared), or one socket per worker bound with
	 * SO_REUSEPORT (reuseport).
	 */
	private ForkerMode mode = ForkerMode.SHARED;

	/**
	 * Whether workers that share a listening socket (shared mode) balance their
	 * connections: a worker that holds more open connections than its least busy sibling
	 * leaves new connections to the others. Off, whichever worker accepts first takes a
	 * connection, and a burst of keep-alive connections can pile up on one worker.
	 */
	private boolean balanceConnections = true;

	/**
	 * Time the master waits for its workers to stop gracefully after a stop signal before
	 * it kills them. Keep it above spring.lifecycle.timeout-per-shutdown-phase.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(40);

	/**
	 * Length of the accept queue of the listening socket the master opens in shared mode
	 * (capped by the kernel, net.core.somaxconn on Linux). In reuseport mode each
	 * worker's web server sets its own, for example server.tomcat.accept-count.
	 */
	private int backlog = 1024;

	private final Master master = new Master();

	private final Worker worker = new Worker();

	private final Restart restart = new Restart();

	private final Health health = new Health();

	private final Metrics metrics = new Metrics();

	private final Scheduling scheduling = new Scheduling();

	private final Sessions sessions = new Sessions();

	private final Cache cache = new Cache();

	private final Upgrade upgrade = new Upgrade();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable Integer getWorkers() {
		return this.workers;
	}

	public void setWorkers(@Nullable Integer workers) {
		this.workers = workers;
	}

	public ForkerMode getMode() {
		return this.mode;
	}

	public void setMode(ForkerMode mode) {
		this.mode = mode;
	}

	public boolean isBalanceConnections() {
		return this.balanceConnections;
	}

	public void setBalanceConnections(boolean balanceConnections) {
		this.balanceConnections = balanceConnections;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public int getBacklog() {
		return this.backlog;
	}

	public void setBacklog(int backlog) {
		this.backlog = backlog;
	}

	public Master getMaster() {
		return this.master;
	}

	public Worker getWorker() {
		return this.worker;
	}

	public Restart getRestart() {
		return this.restart;
	}

	public Health getHealth() {
		return this.health;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Scheduling getScheduling() {
		return this.scheduling;
	}

	public Sessions getSessions() {
		return this.sessions;
	}

	public Cache getCache() {
		return this.cache;
	}

	public Upgrade getUpgrade() {
		return this.upgrade;
	}

	/**
	 * Return the number of workers to start: the configured number or, when none is
	 * configured, the number of available processors.
	 * @return the number of workers
	 */
	public int determineWorkers() {
		return (this.workers != null) ? this.workers : Runtime.getRuntime().availableProcessors();
	}

	/**
	 * Master process settings.
	 */
	public static class Master {

		/**
		 * Whether the master turns into a small JVM of its own (serial GC, 48 MB heap, no
		 * application classes) once it has read its configuration, keeping its pid. Its
		 * own log lines then use Spring Boot's default console format. When false, the
		 * master stays in the JVM the application was started in.
		 */
		private boolean lightweight = true;

		public boolean isLightweight() {
			return this.lightweight;
		}

		public void setLightweight(boolean lightweight) {
			this.lightweight = lightweight;
		}

	}

	/**
	 * Worker JVM settings.
	 */
	public static class Worker {

		/**
		 * Extra JVM options for the workers, added after the JVM options of the master.
		 */
		private List<String> jvmArgs = new ArrayList<>();

		/**
		 * Whether to size each worker JVM for its share of the machine: a maximum heap of
		 * a quarter of the RAM divided by the number of workers (-XX:MaxRAMPercentage),
		 * and the available processors divided by the number of workers, at least one
		 * (-XX:ActiveProcessorCount). Heap or processor options of your own win.
		 */
		private boolean autoSize = true;

		/**
		 * What to do when the workers may claim more memory than the deployment has: N
		 * times each worker's maximum heap plus an estimate of each JVM's non-heap memory
		 * and the master's, against the container's memory limit (cgroup) or else the
		 * physical memory. 'warn' logs the figures and the fix, 'fail' refuses to start,
		 * 'off' does not compare.
		 */
		private ForkerMemoryCheck memoryCheck = ForkerMemoryCheck.WARN;

		/**
		 * Whether to start each worker through util-linux's 'setpriv --pdeathsig TERM'
		 * when it is installed (Linux), so that the kernel stops a worker the moment its
		 * master dies, even before the worker's JVM runs any code. Without it a worker
		 * notices that its master is gone once its JVM has started.
		 */
		private boolean parentDeathSignal = true;

		private final ClassDataSharing classDataSharing = new ClassDataSharing();

		/**
		 * Number of workers that start at the same time when forker starts; the next one
		 * starts as soon as one of them is ready. 0 starts them all at once. Unset, half
		 * the available processors (at least 1): a JVM uses more than one processor while
		 * it starts, so fewer at once gets the first worker serving sooner without making
		 * the last one much later. Restarts and rolling restarts are not affected.
		 */
		private @Nullable Integer startConcurrency;

		/**
		 * Time a worker has to report that it is ready, from its start. A worker that
		 * takes longer counts as a failed start. Not a request timeout.
		 */
		private Duration startupTimeout = Duration.ofMinutes(2);

		/**
		 * Interval at which a worker reports to its master that it is alive.
		 */
		private Duration heartbeatInterval = Duration.ofSeconds(2);

		/**
		 * Time without a heartbeat after which the master takes a ready worker as hung:
		 * it asks for a thread dump (SIGQUIT), kills the worker and starts a new one. Not
		 * a request timeout: a worker busy with slow requests still sends heartbeats.
		 */
		private Duration heartbeatTimeout = Duration.ofSeconds(30);

		/**
		 * Time a worker that stops gracefully waits for each open connection to send its
		 * next request, which it answers with Connection: close before closing the
		 * connection. Connections still idle after it are closed.
		 */
		private Duration drainTimeout = Duration.ofSeconds(5);

		/**
		 * Number of requests after which a worker is replaced through a rolling restart,
		 * as gunicorn's max_requests does against slow leaks. 0 never replaces workers.
		 */
		private long maxRequests;

		/**
		 * Largest random number of requests added to max-requests for each worker, so
		 * that workers are not all replaced at once.
		 */
		private long maxRequestsJitter;

		public List<String> getJvmArgs() {
			return this.jvmArgs;
		}

		public void setJvmArgs(List<String> jvmArgs) {
			this.jvmArgs = jvmArgs;
		}

		public boolean isAutoSize() {
			return this.autoSize;
		}

		public void setAutoSize(boolean autoSize) {
			this.autoSize = autoSize;
		}

		public ForkerMemoryCheck getMemoryCheck() {
			return this.memoryCheck;
		}

		public void setMemoryCheck(ForkerMemoryCheck memoryCheck) {
			this.memoryCheck = memoryCheck;
		}

		public boolean isParentDeathSignal() {
			return this.parentDeathSignal;
		}

		public void setParentDeathSignal(boolean parentDeathSignal) {
			this.parentDeathSignal = parentDeathSignal;
		}

		public ClassDataSharing getClassDataSharing() {
			return this.classDataSharing;
		}

		public @Nullable Integer getStartConcurrency() {
			return this.startConcurrency;
		}

		public void setStartConcurrency(@Nullable Integer startConcurrency) {
			this.startConcurrency = startConcurrency;
		}

		/**
		 * Return how many workers start at once when forker starts.
		 * @return the configured number, half the available processors (at least 1) when
		 * it is not set, or {@link Integer#MAX_VALUE} when it is 0 (all at once)
		 */
		public int determineStartConcurrency() {
			if (this.startConcurrency == null) {
				return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
			}
			return (this.startConcurrency > 0) ? this.startConcurrency : Integer.MAX_VALUE;
		}

		public Duration getStartupTimeout() {
			return this.startupTimeout;
		}

		public void setStartupTimeout(Duration startupTimeout) {
			this.startupTimeout = startupTimeout;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public Duration getHeartbeatTimeout() {
			return this.heartbeatTimeout;
		}

		public void setHeartbeatTimeout(Duration heartbeatTimeout) {
			this.heartbeatTimeout = heartbeatTimeout;
		}

		public Duration getDrainTimeout() {
			return this.drainTimeout;
		}

		public void setDrainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
		}

		public long getMaxRequests() {
			return this.maxRequests;
		}

		public void setMaxRequests(long maxRequests) {
			this.maxRequests = maxRequests;
		}

		public long getMaxRequestsJitter() {
			return this.maxRequestsJitter;
		}

		public void setMaxRequestsJitter(long maxRequestsJitter) {
			this.maxRequestsJitter = maxRequestsJitter;
		}

	}

	/**
	 * A startup cache for workers: the JDK's AOT cache on Java 25 and later, a dynamic
	 * class data sharing archive before.
	 */
	public static class ClassDataSharing {

		/**
		 * Whether workers start from the extracted application jar with a startup cache
		 * prepared once by a training run (the application started up to its context
		 * refresh with forker off): the JDK's AOT cache on Java 25 and later, a dynamic
		 * class data sharing archive before. Needs a java -jar launch; the first start
		 * takes one application startup longer.
		 */
		private boolean enabled;

		/**
		 * Directory of the startup cache. It must belong to the user that runs the
		 * application and be private to it (mode 700); forker creates it so. Defaults to
		 * $XDG_CACHE_HOME/forker or ~/.cache/forker.
		 */
		private @Nullable Path directory;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable Path getDirectory() {
			return this.directory;
		}

		public void setDirectory(@Nullable Path directory) {
			this.directory = directory;
		}

	}

	/**
	 * Restart policy for workers that exit unexpectedly.
	 */
	public static class Restart {

		/**
		 * Delay before a worker that exited unexpectedly is restarted. It doubles with
		 * each consecutive failure of the same worker and starts over once a worker was
		 * ready.
		 */
		private Duration initialBackoff = Duration.ofSeconds(1);

		/**
		 * Upper bound of the restart delay.
		 */
		private Duration maxBackoff = Duration.ofSeconds(30);

		/**
		 * Maximum number of restarts within the window. One more and the master stops all
		 * workers and exits with an error. 0 makes any unexpected worker exit fatal.
		 */
		private int maxRestarts = 10;

		/**
		 * Sliding time window in which restarts are counted.
		 */
		private Duration window = Duration.ofMinutes(5);

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public int getMaxRestarts() {
			return this.maxRestarts;
		}

		public void setMaxRestarts(int maxRestarts) {
			this.maxRestarts = maxRestarts;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

	}

	/**
	 * The forker health component.
	 */
	public static class Health {

		/**
		 * Minimum number of ready workers for the forker health component to be UP.
		 */
		private int minReadyWorkers = 1;

		public int getMinReadyWorkers() {
			return this.minReadyWorkers;
		}

		public void setMinReadyWorkers(int minReadyWorkers) {
			this.minReadyWorkers = minReadyWorkers;
		}

	}

	/**
	 * Metrics of the workers.
	 */
	public static class Metrics {

		/**
		 * Whether a Prometheus scrape of any worker (/actuator/prometheus) returns the
		 * series of every ready worker, each with a worker label, instead of those of the
		 * worker that answers alone.
		 */
		private boolean aggregate = true;

		/**
		 * Time the worker that answers a Prometheus scrape waits for the metrics of the
		 * other workers. A worker that has not answered by then is left out of that
		 * scrape and counted by the forker_scrape_workers_missing gauge.
		 */
		private Duration scrapeTimeout = Duration.ofSeconds(1);

		/**
		 * Whether to add a worker tag with the worker id to every meter of every meter
		 * registry (forker's own meters excepted, they carry the worker they describe),
		 * so that push registries (OTLP and others) keep the series of each worker apart
		 * even where the backend ignores the service.instance.id resource attribute.
		 */
		private boolean workerTag;

		public boolean isAggregate() {
			return this.aggregate;
		}

		public void setAggregate(boolean aggregate) {
			this.aggregate = aggregate;
		}

		public Duration getScrapeTimeout() {
			return this.scrapeTimeout;
		}

		public void setScrapeTimeout(Duration scrapeTimeout) {
			this.scrapeTimeout = scrapeTimeout;
		}

		public boolean isWorkerTag() {
			return this.workerTag;
		}

		public void setWorkerTag(boolean workerTag) {
			this.workerTag = workerTag;
		}

	}

	/**
	 * Scheduled jobs across workers.
	 */
	public static class Scheduling {

		/**
		 * Where the application's scheduled jobs (@Scheduled methods and the tasks of
		 * SchedulingConfigurers) run: once per application, in the one worker the master
		 * gives the scheduler role (once), or in every worker (every-worker). Jobs marked
		 * with @EveryWorker or listed in forker.scheduling.every-worker-jobs run in every
		 * worker either way.
		 */
		private Mode mode = Mode.ONCE;

		/**
		 * Scheduled jobs that run in every worker, by the name Spring gives them: the
		 * fully qualified class name, a dot and the method name, such as
		 * com.example.CacheRefresher.refresh. For jobs in code that cannot be annotated
		 * with @EveryWorker.
		 */
		private List<String> everyWorkerJobs = new ArrayList<>();

		public Mode getMode() {
			return this.mode;
		}

		public void setMode(Mode mode) {
			this.mode = mode;
		}

		public List<String> getEveryWorkerJobs() {
			return this.everyWorkerJobs;
		}

		public void setEveryWorkerJobs(List<String> everyWorkerJobs) {
			this.everyWorkerJobs = everyWorkerJobs;
		}

		/**
		 * Where scheduled jobs run.
		 */
		public enum Mode {

			/**
			 * Once per application: in the worker that holds the scheduler role.
			 */
			ONCE,

			/**
			 * In every worker, as without forker's scheduling support.
			 */
			EVERY_WORKER

		}

	}

	/**
	 * HTTP sessions across workers.
	 */
	public static class Sessions {

		/**
		 * Whether the workers keep HTTP sessions (servlet HttpSession, WebFlux
		 * WebSession) through Spring Session in files every worker reads and writes
		 * directly (in memory, on /dev/shm, when the host has room), so that every worker
		 * sees every session and a rolling restart or a crash logs nobody out. Off, or
		 * when the application configures its own Spring Session store, each worker keeps
		 * its own sessions as usual.
		 */
		private boolean enabled = true;

		/**
		 * Largest number of sessions kept. The master checks every second (every few
		 * seconds past 10,000 sessions): over it, the sessions nearest to expiry (for one
		 * timeout, the least recently used) make room.
		 */
		private int maxSessions = 100_000;

		/**
		 * Largest memory the sessions take, their serialized form and an estimate of the
		 * file system's own. Over it, the sessions nearest to expiry make room.
		 */
		private DataSize maxMemory = DataSize.ofMegabytes(64);

		/**
		 * When a session that a request read is written again: 'on-set-attribute' once an
		 * attribute was set or removed (Spring Session's default: an attribute value
		 * changed in place is not saved unless set again), 'on-get-attribute' also once
		 * an attribute was read, 'always' at the end of every request that used it.
		 * Otherwise a request that only reads its session moves its expiry, at most once
		 * a second, without writing it.
		 */
		private SaveMode saveMode = SaveMode.ON_SET_ATTRIBUTE;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public int getMaxSessions() {
			return this.maxSessions;
		}

		public void setMaxSessions(int maxSessions) {
			this.maxSessions = maxSessions;
		}

		public DataSize getMaxMemory() {
			return this.maxMemory;
		}

		public void setMaxMemory(DataSize maxMemory) {
			this.maxMemory = maxMemory;
		}

		public SaveMode getSaveMode() {
			return this.saveMode;
		}

		public void setSaveMode(SaveMode saveMode) {
			this.saveMode = saveMode;
		}

		/**
		 * When a session that a request read is written again.
		 */
		public enum SaveMode {

			/**
			 * Once an attribute was set or removed.
			 */
			ON_SET_ATTRIBUTE,

			/**
			 * Once an attribute was read, set or removed.
			 */
			ON_GET_ATTRIBUTE,

			/**
			 * At the end of every request that used the session.
			 */
			ALWAYS

		}

	}

	/**
	 * Local caches across the workers.
	 */
	public static class Cache {

		/**
		 * Whether an eviction, put or clear of a local cache of Spring's cache
		 * abstraction (ConcurrentMapCacheManager, CaffeineCacheManager) in one worker
		 * invalidates the entry, or the whole cache, in every other worker: it is written
		 * to a log in memory that the workers share, which every worker reads before it
		 * reads its caches. Distributed caches are left alone either way.
		 */
		private boolean coherence = true;

		public boolean isCoherence() {
			return this.coherence;
		}

		public void setCoherence(boolean coherence) {
			this.coherence = coherence;
		}

	}

	/**
	 * In-place upgrade (SIGUSR2) settings.
	 */
	public static class Upgrade {

		/**
		 * Time the check of the new version (a child process that starts it far enough to
		 * read and validate its configuration, then exits) has to end. Past it, the check
		 * and its child processes are killed and the upgrade is refused. Read by the
		 * running master, at its start.
		 */
		private Duration checkTimeout = Duration.ofSeconds(60);

		public Duration getCheckTimeout() {
			return this.checkTimeout;
		}

		public void setCheckTimeout(Duration checkTimeout) {
			this.checkTimeout = checkTimeout;
		}

	}

}
