package dev.forker.it;

import java.time.Duration;
import java.util.Map;

import dev.forker.it.apps.classpath.ClasspathApplication;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A master started as {@code java -cp <class path> MainClass} starts its workers the same
 * way.
 */
@Tag("jdk")
class ClasspathLaunchIT {

	@Test
	void workersOfAClassPathLaunchServeOnOnePort() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(ClasspathApplication.class)
			.name("classpath")
			// A class path launch allows native access itself (a jar can say so in its
			// manifest): Java 24 and later warn otherwise
			.jvmOption("--enable-native-access=ALL-UNNAMED")
			.args("--forker.enabled=true", "--forker.workers=2")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Map<Long, WorkerAnswer> answers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
			for (long pid : answers.keySet()) {
				String arguments = ForkerProcess.commandLine(pid);
				assertThat(arguments).contains("-cp", ClasspathApplication.class.getName());
			}
			// SIGINT (Ctrl-C) stops as gracefully as SIGTERM
			forker.signal("INT");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			assertThat(forker.output()).contains("Received SIGINT: stopping 2 workers gracefully");
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
			forker.assertNoErrorsLogged();
		}
	}

}
