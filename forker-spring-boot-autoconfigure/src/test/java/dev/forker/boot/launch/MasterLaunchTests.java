package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.util.unit.DataSize;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.startup.CachedLaunch;
import dev.forker.boot.startup.JarFingerprint;
import dev.forker.boot.startup.JavaCommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for how a master starts: {@link WorkerJvmSizing}, {@link WorkerCommand},
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
		WorkerCommand command = new WorkerCommand(this.jarLaunch, null, List.of("-Xmx256m"), true, 2, Map.of());
		assertThat(command.command(2)).containsExactly("/jdk/bin/java", "-XX:MaxRAMPercentage=12.50",
				"-XX:ActiveProcessorCount=1", "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-Dapp.mode=prod",
				"-Xmx256m", "-jar", "app.jar", "--server.port=9000");
		WorkerCommand unsized = new WorkerCommand(this.jarLaunch, null, List.of(), false, 2, Map.of());
		assertThat(unsized.command(2)).containsExactly("/jdk/bin/java", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
				"-Dapp.mode=prod", "-jar", "app.jar", "--server.port=9000");
	}

	@Test
	void workerEnvironmentStartsFromTheApplicationsWithoutDebuggerOrForkersOwnVariables() {
		WorkerCommand command = new WorkerCommand(this.jarLaunch, null, List.of(), true, 2,
				Map.of("PATH", "/usr/bin", "JAVA_TOOL_OPTIONS", "-agentlib:jdwp=transport=dt_socket -Xss1m",
						MasterConfig.VARIABLE, "{}", WorkerEnvironment.LOG_SOCKET, "/tmp/stale.sock", "FORKER_WORKERS",
						"4"));
		WorkerEnvironment worker = new WorkerEnvironment(2, 10, Path.of("/tmp/s.sock"), "t", WorkerSocketMode.INHERITED,
				List.of(new ServedPort("server.port", 9000, 3)), Duration.ofSeconds(2), null);
		Map<String, String> environment = command.environment(worker);
		assertThat(environment).containsEntry("PATH", "/usr/bin")
			.containsEntry("JAVA_TOOL_OPTIONS", "-Xss1m")
			.containsEntry(WorkerEnvironment.WORKER_ID, "2")
			.containsEntry(WorkerEnvironment.PORTS, "server.port=9000@3")
			.containsEntry("FORKER_WORKERS", "4")
			.doesNotContainKey(MasterConfig.VARIABLE)
			.doesNotContainKey(WorkerEnvironment.LOG_SOCKET);
	}

	@Test
	void lightweightMasterStartsFromTheSameSpringBootJar(@TempDir Path directory) throws IOException {
		Path jar = jar(directory.resolve("app.jar"), "org.springframework.boot.loader.launch.JarLauncher");
		JavaCommandLine launch = JavaCommandLine.parse("/jdk/bin/java", List.of("-Xmx1g", "-Dapp.mode=prod",
				"-Dloader.path=ext", "-javaagent:agent.jar", "-jar", jar.toString(), "--x=y"));
		List<String> command = LightweightMaster.command(launch, null);
		assertThat(command).startsWith("/jdk/bin/java", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UseSerialGC")
			.contains("-Dapp.mode=prod", "-Dloader.main=dev.forker.boot.launch.MasterMain",
					LightweightMaster.NO_LOADER_CONFIG, "--enable-native-access=ALL-UNNAMED")
			.doesNotContain("-Xmx1g", "-javaagent:agent.jar", "--x=y", "-Dloader.path=ext")
			.endsWith("-cp", jar.toString(), "org.springframework.boot.loader.launch.PropertiesLauncher");
	}

	@Test
	void lightweightMasterStartsFromTheExtractedJarOfTheStartupCache(@TempDir Path directory) throws IOException {
		Path jar = jar(directory.resolve("app.jar"), "org.springframework.boot.loader.launch.JarLauncher");
		Path extracted = directory.resolve("cache/0123/app/app.jar");
		JavaCommandLine launch = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-Dapp.mode=prod", "-jar", jar.toString()));
		CachedLaunch cache = new CachedLaunch(
				JavaCommandLine.parse("/jdk/bin/java",
						List.of("-XX:AOTCache=/c/app.aot", "-jar", extracted.toString())),
				jar.toString(), JarFingerprint.of(jar));
		List<String> command = LightweightMaster.command(launch, cache);
		assertThat(command).contains("-Dapp.mode=prod", "-XX:+UseSerialGC")
			.doesNotContain("-XX:AOTCache=/c/app.aot")
			.endsWith("-cp", extracted.toString(), LightweightMaster.MAIN_CLASS);
		if (Runtime.version().feature() >= 19) {
			assertThat(command).contains("-XX:SharedArchiveFile=" + directory.resolve("cache/0123/master.jsa"),
					"-XX:+AutoCreateSharedArchive");
		}
		// A new version of the jar (another size) makes the cache stale
		jar(jar, "org.springframework.boot.loader.launch.PropertiesLauncher");
		assertThat(LightweightMaster.command(launch, cache)).endsWith("-cp", jar.toString(),
				"org.springframework.boot.loader.launch.PropertiesLauncher");
	}

	@Test
	void lightweightMasterStartsFromAPlainJarOrClassPath(@TempDir Path directory) throws IOException {
		Path jar = jar(directory.resolve("plain.jar"), "com.example.Main");
		assertThat(LightweightMaster.command(JavaCommandLine.parse("/jdk/bin/java", List.of("-jar", jar.toString())),
				null))
			.endsWith("-cp", jar.toString(), LightweightMaster.MAIN_CLASS);
		assertThat(LightweightMaster
			.command(JavaCommandLine.parse("/jdk/bin/java", List.of("-cp", "a.jar:b.jar", "com.example.Main")), null))
			.endsWith("-cp", "a.jar:b.jar", LightweightMaster.MAIN_CLASS);
		assertThat(LightweightMaster
			.command(JavaCommandLine.parse("/jdk/bin/java", List.of("-m", "app/com.example.Main")), null)).isNull();
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
		properties.getSessions().setMaxMemory(DataSize.ofMegabytes(3));
		properties.getScheduling().setMode(ForkerProperties.Scheduling.Mode.EVERY_WORKER);
		properties.getUpgrade().setCheckTimeout(Duration.ofSeconds(90));
		List<ServedPort> ports = List.of(new ServedPort("server.port", 9000, 5),
				new ServedPort("management.server.port", 9001, 6));
		List<WorkerProcesses.Started> started = List.of(
				new WorkerProcesses.Started(1, 4711, "token-1", Instant.parse("2026-11-23T10:15:30.123Z")),
				new WorkerProcesses.Started(2, 4712, "token-2", Instant.parse("2026-11-23T10:15:30.456Z")));
		MasterConfig config = new MasterConfig(properties, this.jarLaunch, null, 2, 32, ports,
				Map.of("PATH", "/usr/bin"),
				Map.of("logging.structured.format.console", "ecs", "spring.application.name", "app"),
				Path.of("/tmp/forker-1"), Path.of("/tmp/forker-1/log.sock"), List.of())
			.withStarted(started);
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
		assertThat(read.getSessions().getMaxMemory()).isEqualTo(DataSize.ofMegabytes(3));
		assertThat(read.getScheduling().getMode()).isEqualTo(ForkerProperties.Scheduling.Mode.EVERY_WORKER);
		assertThat(read.getUpgrade().getCheckTimeout()).isEqualTo(Duration.ofSeconds(90));
		assertThat(copy.commandLine()).isEqualTo(this.jarLaunch);
		assertThat(copy.ports()).isEqualTo(ports);
		assertThat(copy.serverPort()).isEqualTo(9000);
		assertThat(copy.workerEnvironment()).containsEntry("PATH", "/usr/bin");
		assertThat(copy.logging()).containsEntry("logging.structured.format.console", "ecs")
			.containsEntry("spring.application.name", "app");
		assertThat(copy.directory()).isEqualTo(Path.of("/tmp/forker-1"));
		assertThat(copy.logSocket()).isEqualTo(Path.of("/tmp/forker-1/log.sock"));
		assertThat(copy.started()).isEqualTo(started);
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
