package dev.forker.it;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.it.apps.spawning.SpawningApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * What the master does not let happen: code from the working directory in the master,
 * processes of a dead worker left running, zombies when it is {@code PID 1}.
 */
class MasterHardeningIT {

	@Test
	void masterReadsNoLoaderPropertiesFromTheWorkingDirectory(@TempDir Path directory) throws Exception {
		// What someone who can write to the working directory would plant: a class path
		// entry for the master, here one that reconfigures its logging
		Files.writeString(directory.resolve("loader.properties"), "loader.path=planted\n");
		Files.createDirectories(directory.resolve("planted"));
		Files.writeString(directory.resolve("planted/logback.xml"), """
				<configuration>
					<appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
						<encoder><pattern>PLANTED %m%n</pattern></encoder>
					</appender>
					<root level="INFO"><appender-ref ref="CONSOLE"/></root>
				</configuration>
				""");
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc").toAbsolutePath())
			.name("planted-loader-properties")
			.directory(directory)
			.args("--forker.workers=1")
			.start()) {
			forker.awaitOutput("All 1 workers are ready", Duration.ofSeconds(90));
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			assertThat(forker.output()).contains("INFO [master]").doesNotContain("PLANTED");
		}
	}

	@Test
	void processesAWorkerStartedStopWithIt() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(SpawningApplication.class)
			.name("worker-children")
			.args("--forker.enabled=true", "--forker.workers=1", "--forker.restart.initial-backoff=100ms")
			.start()) {
			forker.awaitOutput("All 1 workers are ready", Duration.ofSeconds(90));
			var started = Json.parse(HttpProbe.get(forker.port(), "/child").body());
			long worker = started.get("worker").asLong();
			long child = started.get("child").asLong();
			assertThat(ForkerProcess.isRunning(child)).isTrue();
			ForkerProcess.signal(worker, "KILL");
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(ForkerProcess.isRunning(child))
					.as("the child of a killed worker, killed with its process group")
					.isFalse());
			forker.awaitOutput("Restarting worker 1", Duration.ofSeconds(10));
			long[] secondChild = new long[1];
			// A request sent while no worker serves waits in the shared socket's queue,
			// and
			// the probe may give up before the replacement has started: ask again
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptionsInstanceOf(SocketTimeoutException.class)
				.untilAsserted(() -> {
					HttpProbe.Response response = HttpProbe.get(forker.port(), "/child");
					assertThat(response.status()).isEqualTo(200);
					secondChild[0] = Json.parse(response.body()).get("child").asLong();
				});
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			assertThat(ForkerProcess.isRunning(secondChild[0])).as("the child of a worker stopped with SIGTERM")
				.isFalse();
		}
	}

	@Test
	void asPidOneTheMasterReapsOrphansAndStopsCleanly() throws Exception {
		assumeThat(canUnshare()).as("unshare --pid works here (root)").isTrue();
		try (ForkerProcess forker = ForkerProcess.mainClass(SpawningApplication.class)
			.name("pid-one")
			.wrappedIn("unshare", "--pid", "--fork", "--mount-proc")
			.args("--forker.enabled=true", "--forker.workers=2")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			long master = forker.process().toHandle().children().findFirst().orElseThrow().pid();
			assertThat(forker.output()).contains("forker master (pid 1) starting 2 workers");
			for (int i = 0; i < 6; i++) {
				assertThat(HttpProbe.get(forker.port(), "/orphan").status()).isEqualTo(200);
			}
			// The orphans sleep for a second, then exit as children of the master
			await().atMost(Duration.ofSeconds(15))
				.pollDelay(Duration.ofSeconds(2))
				.untilAsserted(
						() -> assertThat(children(master)).as("children of the master other than workers").hasSize(2));
			assertThat(zombies(master)).isEmpty();
			ForkerProcess.signal(master, "TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + forker.tail()).isZero();
			assertThat(forker.output()).contains("Received SIGTERM: stopping 2 workers gracefully");
		}
	}

	private static boolean canUnshare() {
		try {
			Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true").start();
			return probe.waitFor() == 0;
		}
		catch (IOException | InterruptedException ex) {
			return false;
		}
	}

	private static List<Long> children(long parent) throws IOException {
		return processes(parent, false);
	}

	private static List<Long> zombies(long parent) throws IOException {
		return processes(parent, true);
	}

	private static List<Long> processes(long parent, boolean zombiesOnly) throws IOException {
		List<Long> found = new ArrayList<>();
		try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
			for (Path entry : entries.toList()) {
				String name = entry.getFileName().toString();
				if (name.chars().allMatch(Character::isDigit)) {
					try {
						String stat = Files.readString(entry.resolve("stat"));
						String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
						if (Long.parseLong(fields[1]) == parent && (!zombiesOnly || fields[0].equals("Z"))) {
							found.add(Long.parseLong(name));
						}
					}
					catch (IOException ex) {
						// gone meanwhile
					}
				}
			}
		}
		return found;
	}

}
