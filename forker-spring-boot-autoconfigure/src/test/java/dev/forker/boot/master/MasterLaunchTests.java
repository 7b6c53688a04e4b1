package dev.forker.boot.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.ForkerProperties;
import dev.forker.boot.worker.WorkerEnvironment;
import dev.forker.boot.worker.WorkerSocketMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for how a master starts: {@link WorkerJvmSizing}, {@link WorkerLaunch},
 * {@link LightweightMaster} and {@link MasterConfig}.
 */
class MasterLaunchTests {

	private final JavaCommandLine jarLaunch = JavaCommandLine.parse("/jdk/bin/java",
			List.of("-Xmx1g", "-Dapp.mode=prod", "-jar", "app.jar", "--server.port=9000"));

	@Test
	void sizesEachWorkerForItsShareOfTheMachine() {
		assertThat(WorkerJvmSizing.options(2, 2)).containsExactly("-XX:MaxRAMPercentage=12.50",
				"-XX:ActiveProcessorCount=1");
		assertThat(WorkerJvmSizing.options(4, 16)).containsExactly("-XX:MaxRAMPercentage=6.25",
				"-XX:ActiveProcessorCount=4");
		assertThat(WorkerJvmSizing.options(8, 2)).contains("-XX:ActiveProcessorCount=1");
	}

	@Test
	void workerCommandPutsSizingFirstSoThatTheApplicationsOptionsWin() {
		WorkerLaunch launch = new WorkerLaunch(this.jarLaunch, List.of("-Xmx256m"), true, 2, 9000,
				WorkerSocketMode.INHERITED, 3, Map.of());
		assertThat(launch.command(2)).containsExactly("/jdk/bin/java", "-XX:MaxRAMPercentage=12.50",
				"-XX:ActiveProcessorCount=1", "-Xmx1g", "-Dapp.mode=prod", "-Xmx256m", "-jar", "app.jar",
				"--server.port=9000");
		WorkerLaunch unsized = new WorkerLaunch(this.jarLaunch, List.of(), false, 2, 9000, WorkerSocketMode.INHERITED,
				3, Map.of());
		assertThat(unsized.command(2)).containsExactly("/jdk/bin/java", "-Xmx1g", "-Dapp.mode=prod", "-jar", "app.jar",
				"--server.port=9000");
	}

	@Test
	void workerEnvironmentStartsFromTheApplicationsWithoutDebuggerOrMasterConfiguration() {
		WorkerLaunch launch = new WorkerLaunch(this.jarLaunch, List.of(), true, 2, 9000, WorkerSocketMode.INHERITED, 3,
				Map.of("PATH", "/usr/bin", "JAVA_TOOL_OPTIONS", "-agentlib:jdwp=transport=dt_socket -Xss1m",
						MasterConfig.VARIABLE, "{}"));
		WorkerEnvironment worker = new WorkerEnvironment(2, 10, Path.of("/tmp/s.sock"), "t", 9000,
				WorkerSocketMode.INHERITED, Duration.ofSeconds(2));
		Map<String, String> environment = launch.environment(worker);
		assertThat(environment).containsEntry("PATH", "/usr/bin")
			.containsEntry("JAVA_TOOL_OPTIONS", "-Xss1m")
			.containsEntry(WorkerEnvironment.WORKER_ID, "2")
			.doesNotContainKey(MasterConfig.VARIABLE);
	}

	@Test
	void lightweightMasterStartsFromTheSameSpringBootJar(@TempDir Path directory) throws IOException {
		Path jar = jar(directory.resolve("app.jar"), "org.springframework.boot.loader.launch.JarLauncher");
		JavaCommandLine launch = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-Xmx1g", "-Dapp.mode=prod", "-javaagent:agent.jar", "-jar", jar.toString(), "--x=y"));
		List<String> command = LightweightMaster.command(launch);
		assertThat(command).startsWith("/jdk/bin/java", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UseSerialGC")
			.contains("-Dapp.mode=prod", "-Dloader.main=dev.forker.boot.master.MasterMain")
			.doesNotContain("-Xmx1g", "-javaagent:agent.jar", "--x=y")
			.endsWith("-cp", jar.toString(), "org.springframework.boot.loader.launch.PropertiesLauncher");
	}

	@Test
	void lightweightMasterStartsFromAPlainJarOrClassPath(@TempDir Path directory) throws IOException {
		Path jar = jar(directory.resolve("plain.jar"), "com.example.Main");
		assertThat(LightweightMaster.command(JavaCommandLine.parse("/jdk/bin/java", List.of("-jar", jar.toString()))))
			.endsWith("-cp", jar.toString(), LightweightMaster.MAIN_CLASS);
		assertThat(LightweightMaster
			.command(JavaCommandLine.parse("/jdk/bin/java", List.of("-cp", "a.jar:b.jar", "com.example.Main"))))
			.endsWith("-cp", "a.jar:b.jar", LightweightMaster.MAIN_CLASS);
		assertThat(LightweightMaster
			.command(JavaCommandLine.parse("/jdk/bin/java", List.of("-m", "app/com.example.Main")))).isNull();
	}

	@Test
	void configurationTravelsToTheLightweightMasterIntact() {
		ForkerProperties properties = new ForkerProperties();
		properties.setEnabled(true);
		properties.setWorkers(3);
		properties.setMode(ForkerMode.REUSEPORT);
		properties.setShutdownTimeout(Duration.ofSeconds(12));
		properties.getWorker().setJvmArgs(List.of("-Xmx256m"));
		properties.getWorker().setHeartbeatTimeout(Duration.ofSeconds(9));
		properties.getWorker().setMaxRequests(1000);
		properties.getRestart().setMaxRestarts(4);
		properties.getRestart().setWindow(Duration.ofMinutes(7));
		properties.getHealth().setMinReadyWorkers(2);
		properties.getMaster().setLightweight(true);
		MasterConfig config = new MasterConfig(properties, this.jarLaunch, 2, 32, 9000, WorkerSocketMode.REUSEPORT,
				null, Map.of("PATH", "/usr/bin"), new MasterConfig.Logging("app", "DEBUG"));
		MasterConfig copy = MasterConfig.fromJson(config.toJson());
		ForkerProperties read = copy.properties();
		assertThat(read.getWorkers()).isEqualTo(3);
		assertThat(read.getMode()).isEqualTo(ForkerMode.REUSEPORT);
		assertThat(read.getShutdownTimeout()).isEqualTo(Duration.ofSeconds(12));
		assertThat(read.getWorker().getJvmArgs()).containsExactly("-Xmx256m");
		assertThat(read.getWorker().getHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(9));
		assertThat(read.getWorker().getMaxRequests()).isEqualTo(1000);
		assertThat(read.getWorker().isAutoSize()).isTrue();
		assertThat(read.getRestart().getMaxRestarts()).isEqualTo(4);
		assertThat(read.getRestart().getWindow()).isEqualTo(Duration.ofMinutes(7));
		assertThat(read.getHealth().getMinReadyWorkers()).isEqualTo(2);
		assertThat(copy.commandLine()).isEqualTo(this.jarLaunch);
		assertThat(copy.listenFd()).isNull();
		assertThat(copy.workerEnvironment()).containsEntry("PATH", "/usr/bin");
		assertThat(copy.logging()).isEqualTo(new MasterConfig.Logging("app", "DEBUG"));
	}

	private static Path jar(Path path, String mainClass) throws IOException {
		Manifest manifest = new Manifest();
		manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
		manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
		try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(path), manifest)) {
			// an empty jar with a manifest
		}
		return path;
	}

}
