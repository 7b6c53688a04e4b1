package dev.forker.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code forker.worker.class-data-sharing}, the first start prepares an archive with
 * a training run; the next start reuses it; workers run from the extracted jar with the
 * archive mapped.
 */
class ClassDataSharingIT {

	@Test
	void workersStartWithAnArchivePreparedOnce() throws Exception {
		Path cache = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs")).resolveSibling("it-cds");
		org.springframework.util.FileSystemUtils.deleteRecursively(cache);
		Files.createDirectories(cache);
		for (String expected : new String[] { "Prepared the class data sharing archive",
				"Workers start with the class data sharing archive" }) {
			try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
				.name("class-data-sharing")
				.jvmOption("-Djava.io.tmpdir=" + cache.toAbsolutePath())
				.args("--forker.workers=2", "--forker.worker.class-data-sharing=true")
				.start()) {
				forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
				assertThat(forker.output()).contains(expected);
				Map<Long, WorkerAnswer> workers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
				for (long pid : workers.keySet()) {
					assertThat(ForkerProcess.commandLine(pid)).containsPattern(
							"-XX:SharedArchiveFile=\\S+/application.jsa .*-jar \\S+/app/forker-sample-webmvc-\\S+.jar");
				}
				forker.signal("TERM");
				assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			}
		}
	}

}
