package dev.forker.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With {@code forker.worker.class-data-sharing.enabled}, the first start prepares a
 * startup cache with a training run and later starts reuse it: the JDK's AOT cache on
 * Java 25 and later, a dynamic class data sharing archive before. The cache lives only in
 * a directory private to the user, and a new jar reaches the workers.
 */
@Tag("jdk")
class ClassDataSharingIT {

	private static final boolean AOT = Runtime.version().feature() >= 25;

	private static final String CACHE_OPTION = AOT ? "-XX:AOTCache=\\S+/application.aot"
			: "-XX:SharedArchiveFile=\\S+/application.jsa";

	@Test
	void workersStartWithACachePreparedOnce(@TempDir Path directory) throws Exception {
		Path cache = directory.resolve("cache");
		for (String expected : new String[] { "Prepared the " + (AOT ? "AOT cache" : "class data sharing archive"),
				"Workers start with the " + (AOT ? "AOT cache" : "class data sharing archive") }) {
			try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
				.name("class-data-sharing")
				.args("--forker.workers=2", "--forker.worker.class-data-sharing.enabled=true",
						"--forker.worker.class-data-sharing.directory=" + cache)
				.start()) {
				forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
				assertThat(forker.output()).contains(expected);
				Map<Long, WorkerAnswer> workers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
				for (long pid : workers.keySet()) {
					assertThat(ForkerProcess.commandLine(pid))
						.containsPattern(CACHE_OPTION + " .*-jar \\S+/app/forker-sample-webmvc-\\S+.jar");
				}
				assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
				// The master runs from the extracted jar too, with an archive of its own
				// that its first run writes when it exits (Java 19 and later)
				assertThat(ForkerProcess.commandLine(forker.pid()))
					.containsPattern("-cp \\S+/app/forker-sample-webmvc-\\S+.jar dev.forker.boot.launch.MasterMain");
				if (Runtime.version().feature() >= 19) {
					assertThat(ForkerProcess.commandLine(forker.pid()))
						.containsPattern("-XX:SharedArchiveFile=\\S+/master.jsa -XX:\\+AutoCreateSharedArchive");
				}
				forker.signal("TERM");
				assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
				forker.assertNoErrorsLogged();
				assertThat(forker.output()).doesNotContain("[cds").doesNotContain("[aot");
				if (Runtime.version().feature() >= 19) {
					try (Stream<Path> files = Files.walk(cache)) {
						assertThat(files.filter((file) -> file.getFileName().toString().equals("master.jsa")))
							.hasSize(1);
					}
				}
			}
		}
	}

	@Test
	void cacheDirectoryThatOthersCanEnterIsRefused(@TempDir Path directory) throws Exception {
		Path shared = Files.createDirectory(directory.resolve("shared"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("class-data-sharing-shared-directory")
			.args("--forker.workers=1", "--forker.worker.class-data-sharing.enabled=true",
					"--forker.worker.class-data-sharing.directory=" + shared)
			.start()) {
			forker.awaitOutput("All 1 workers are ready", Duration.ofSeconds(120));
			assertThat(forker.output()).contains("the cache directory " + shared + " can be entered by others",
					"workers start without a cache");
			for (long pid : forker.startedPids()) {
				assertThat(ForkerProcess.commandLine(pid)).doesNotContain("-XX:AOTCache", "-XX:SharedArchiveFile");
			}
			try (var files = Files.list(shared)) {
				assertThat(files).as("nothing written to " + shared).isEmpty();
			}
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
		}
	}

	@Test
	void rollingRestartDeploysANewJar(@TempDir Path directory) throws Exception {
		Path jar = directory.resolve("app.jar");
		Files.copy(ForkerProcess.sampleJar("sample-webmvc"), jar);
		try (ForkerProcess forker = ForkerProcess.jar(jar)
			.name("class-data-sharing-deploy")
			.args("--forker.workers=2", "--forker.worker.class-data-sharing.enabled=true",
					"--forker.worker.class-data-sharing.directory=" + directory.resolve("cache"),
					"--management.endpoint.forker.access=unrestricted")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
			Set<Long> before = forker.livePids(forker.startedPids());
			// A deployment: the new jar (here another application) replaces the old one
			Path next = directory.resolve("app.jar.next");
			Files.copy(ForkerProcess.sampleJar("sample-webflux"), next);
			Files.move(next, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
			forker.signal("HUP");
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				assertThat(forker.livePids(before)).isEmpty();
				assertThat(forker.livePids(forker.startedPids())).hasSize(2);
				assertThat(forker.output()).containsPattern("Rolling restart: |Stopped worker 2");
			});
			forker.awaitOutput("changed since the startup cache was made", Duration.ofSeconds(10));
			for (long pid : forker.livePids(forker.startedPids())) {
				assertThat(ForkerProcess.commandLine(pid)).contains("-jar " + jar)
					.doesNotContain("-XX:AOTCache", "-XX:SharedArchiveFile");
			}
			forker.awaitOutput("Netty started on port", Duration.ofSeconds(60));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(60));
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
		}
		// The next master prepares a cache for the new jar and deletes the old one
		try (ForkerProcess forker = ForkerProcess.jar(jar)
			.name("class-data-sharing-redeploy")
			.args("--forker.workers=1", "--forker.worker.class-data-sharing.enabled=true",
					"--forker.worker.class-data-sharing.directory=" + directory.resolve("cache"))
			.start()) {
			forker.awaitOutput("All 1 workers are ready", Duration.ofSeconds(120));
			assertThat(forker.output()).contains("of an earlier version of the jar");
			try (Stream<Path> entries = Files.list(directory.resolve("cache"))) {
				assertThat(entries.filter(Files::isDirectory)).hasSize(1);
			}
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

}
