package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.ForkerProperties;
import dev.forker.boot.posix.PosixProcesses;
import dev.forker.boot.startup.JavaCommandLine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link MasterReexec}: the command line and environment of the new version,
 * and its check, run as a real process.
 */
class MasterReexecTests {

	@TempDir
	Path directory;

	private final List<Long> pids = new ArrayList<>();

	private @Nullable PosixProcesses posix;

	@AfterEach
	void killLeftovers() {
		for (long pid : this.pids) {
			ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
		}
		PosixProcesses posix = this.posix;
		if (posix != null) {
			for (long pid : this.pids) {
				posix.reap(pid);
			}
		}
	}

	@Test
	void newVersionRunsTheOriginalCommandLineInItsOrder() {
		JavaCommandLine commandLine = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-Xmx1g", "-Dapp.mode=prod", "-jar", "app.jar", "--server.port=9000", "--debug"));
		MasterReexec reexec = new MasterReexec(config(new ForkerProperties(), commandLine, Map.of()), null, null);
		assertThat(reexec.command()).containsExactly("/jdk/bin/java", "-Xmx1g", "-Dapp.mode=prod", "-jar", "app.jar",
				"--server.port=9000", "--debug");
		JavaCommandLine mainClass = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-cp", "classes:lib/*", "com.example.App", "--spring.profiles.active=prod"));
		assertThat(new MasterReexec(config(new ForkerProperties(), mainClass, Map.of()), null, null).command())
			.containsExactly("/jdk/bin/java", "-cp", "classes:lib/*", "com.example.App",
					"--spring.profiles.active=prod");
	}

	@Test
	void newVersionGetsTheWorkersEnvironmentWithoutWhatDescribesThisMasterOrItsSockets() {
		Map<String, String> environment = new LinkedHashMap<>();
		environment.put("PATH", "/usr/bin");
		environment.put("JAVA_TOOL_OPTIONS", "-Xss1m");
		environment.put("LISTEN_FDS", "1");
		environment.put("LISTEN_PID", "4242");
		environment.put("LISTEN_FDNAMES", "http");
		environment.put(UpgradeState.VARIABLE, "/tmp/forker-1/upgrade.json");
		environment.put(UpgradeState.CHECK_VARIABLE, "/tmp/forker-1/upgrade-check-1.json");
		environment.put(MasterConfig.VARIABLE, "{}");
		MasterReexec reexec = new MasterReexec(config(new ForkerProperties(), shell("true"), environment), null, null);
		assertThat(reexec.environment()).containsExactly(Map.entry("PATH", "/usr/bin"),
				Map.entry("JAVA_TOOL_OPTIONS", "-Xss1m"));
	}

	@Test
	void checkIsRefusedInReuseportMode() {
		ForkerProperties properties = new ForkerProperties();
		properties.setMode(ForkerMode.REUSEPORT);
		List<@Nullable String> results = new ArrayList<>();
		new MasterReexec(config(properties, shell("true"), Map.of()), null, null).check(results::add);
		assertThat(results).singleElement()
			.satisfies((result) -> assertThat(result).contains("needs forker.mode=shared", "rolling restart"));
	}

	@Test
	@EnabledOnOs(OS.LINUX)
	void abandonedCheckIsKilledWithTheProcessesItStarted() throws IOException {
		PosixProcesses posix = PosixProcesses.load();
		this.posix = posix;
		Path pids = this.directory.resolve("pids");
		Path mode = this.directory.resolve("mode");
		// A check that hangs, with a child of its own
		String script = "stat -c %a \"$FORKER_UPGRADE_CHECK\" > " + mode + "; sleep 300 & echo $$ $! > " + pids
				+ "; wait";
		MasterConfig config = config(new ForkerProperties(), shell(script), Map.of("PATH", System.getenv("PATH")));
		SpawnedWorkers workers = SpawnedWorkers.of(posix, config, ProcessHandle.current().pid());
		MasterReexec reexec = new MasterReexec(config, posix, workers);
		List<@Nullable String> results = new ArrayList<>();
		reexec.check(results::add);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> Files.exists(pids) && Files.readString(pids).trim().split(" ").length == 2);
		String[] started = Files.readString(pids).trim().split(" ");
		long check = Long.parseLong(started[0]);
		long child = Long.parseLong(started[1]);
		this.pids.add(check);
		this.pids.add(child);
		assertThat(Files.readString(mode).trim()).as("mode of the check's state file").isEqualTo("600");
		assertThat(isRunning(check)).isTrue();
		assertThat(isRunning(child)).isTrue();
		reexec.abandonCheck();
		await().atMost(Duration.ofSeconds(10)).until(() -> !isRunning(child));
		await().atMost(Duration.ofSeconds(10)).until(() -> posix.reap(check) != null);
		assertThat(results).as("the check reports nothing until it is reaped by the master").isEmpty();
		this.pids.clear();
	}

	private static boolean isRunning(long pid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
			char state = stat.charAt(stat.lastIndexOf(')') + 2);
			return state != 'Z' && state != 'X';
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static JavaCommandLine shell(String script) {
		return new JavaCommandLine("/bin/sh", List.of(), List.of("-c", script), List.of());
	}

	private MasterConfig config(ForkerProperties properties, JavaCommandLine commandLine,
			Map<String, String> environment) {
		return new MasterConfig(properties, commandLine, null, 2, 32, List.of(), environment, Map.of(), this.directory,
				null, List.of());
	}

}
