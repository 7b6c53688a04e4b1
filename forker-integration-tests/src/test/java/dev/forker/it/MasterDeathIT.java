package dev.forker.it;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;

import dev.forker.it.apps.slow.SlowStartApplication;
import dev.forker.it.apps.slowstop.SlowStopApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers die with their master, however it dies and whatever they are doing: starting
 * their JVM, preparing or refreshing their application context, serving, or stopping. The
 * goal is 2 seconds from the master's death to the last worker's; the tests allow
 * {@link #TOLERANCE} on top for their own measuring on a loaded machine (polling
 * {@code /proc}, starting {@code kill}).
 */
class MasterDeathIT {

	private static final Duration GOAL = Duration.ofSeconds(2);

	private static final Duration TOLERANCE = Duration.ofMillis(500);

	@Test
	void workersExitWithinTwoSecondsOfTheMasterBeingKilled() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("master-kill")
			.args("--forker.workers=2")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			Set<Long> workers = forker.startedPids();
			assertThat(forker.livePids(workers)).hasSize(2);
			killMasterAndAwaitWorkersGone(forker, workers, "both ready");
			assertThat(forker.output()).contains("forker master (pid " + forker.pid() + ") is gone");
		}
	}

	/**
	 * The MVC sample with 2 workers in shared mode: the second starts once the first is
	 * ready, and the master is killed at a point of the second one's start, while the
	 * first serves.
	 * @param point when the master is killed
	 */
	@ParameterizedTest(name = "master killed {0}")
	@EnumSource(StartPoint.class)
	void workersExitWithinTwoSecondsOfTheMasterBeingKilledWhileOneStarts(StartPoint point) throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("master-kill-" + point.name().toLowerCase())
			.args("--forker.workers=2", "--forker.worker.start-concurrency=1")
			.start()) {
			awaitLine(forker, point.line, Duration.ofSeconds(90));
			Set<Long> workers = forker.startedPids();
			assertThat(workers).hasSize(2);
			killMasterAndAwaitWorkersGone(forker, workers, point.toString());
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(FreePorts.isFree(forker.port())).as("port left free").isTrue());
		}
	}

	@Test
	void aWorkerStuckInItsContextRefreshExitsWithinTwoSeconds() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(SlowStartApplication.class)
			.name("master-kill-stuck-refresh")
			.args("--forker.enabled=true", "--forker.workers=1")
			.start()) {
			// Its web server holds the shared socket; a bean then waits a minute
			awaitLine(forker, Pattern.compile("\\[worker-1\\].*Tomcat initialized with port"), Duration.ofSeconds(90));
			killMasterAndAwaitWorkersGone(forker, forker.startedPids(), "stuck in refresh");
		}
	}

	@Test
	void aWorkerThatIsStoppingExitsWithinTwoSeconds() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(SlowStopApplication.class)
			.name("master-kill-stopping")
			.args("--forker.enabled=true", "--forker.workers=1")
			.start()) {
			forker.awaitOutput("All 1 workers are ready", Duration.ofSeconds(90));
			Set<Long> workers = forker.startedPids();
			forker.signal("TERM");
			// The worker's shutdown waits a minute in a bean's @PreDestroy
			awaitLine(forker, Pattern.compile("\\[worker-1\\].*Graceful shutdown complete"), Duration.ofSeconds(30));
			assertThat(forker.livePids(workers)).hasSize(1);
			killMasterAndAwaitWorkersGone(forker, workers, "stopping");
		}
	}

	private static void killMasterAndAwaitWorkersGone(ForkerProcess forker, Set<Long> workers, String point)
			throws Exception {
		ForkerProcess.signal(forker.pid(), "KILL");
		long killed = System.nanoTime();
		await().atMost(GOAL.plus(TOLERANCE))
			.pollInterval(Duration.ofMillis(10))
			.untilAsserted(() -> assertThat(forker.livePids(workers)).as("live workers" + forker.tail()).isEmpty());
		long millis = Duration.ofNanos(System.nanoTime() - killed).toMillis();
		System.out
			.println("MasterDeathIT: master killed " + point + ": the last worker was gone after " + millis + " ms");
	}

	private static void awaitLine(ForkerProcess forker, Pattern line, Duration timeout) {
		await().atMost(timeout)
			.pollInterval(Duration.ofMillis(10))
			.untilAsserted(() -> assertThat(forker.output()).as("output" + forker.tail()).containsPattern(line));
	}

	/**
	 * Points of the second worker's start.
	 */
	enum StartPoint {

		/**
		 * Once the master has spawned it: its JVM is starting.
		 */
		SPAWNED("Started worker 2 \\(pid"),

		/**
		 * Once Spring Boot has prepared its environment: the context is about to start.
		 */
		CONTEXT_STARTING("\\[worker-2\\].*Starting SampleWebMvcApplication"),

		/**
		 * During the context's refresh, once its web server holds the shared socket.
		 */
		REFRESHING("\\[worker-2\\].*Tomcat initialized with port");

		private final Pattern line;

		StartPoint(String line) {
			this.line = Pattern.compile(line);
		}

		@Override
		public String toString() {
			return name().toLowerCase().replace('_', ' ');
		}

	}

}
