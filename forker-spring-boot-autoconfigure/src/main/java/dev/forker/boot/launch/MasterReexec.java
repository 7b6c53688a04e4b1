package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerMode;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.master.MasterReplacement;
import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.posix.PosixProcesses;
import dev.forker.boot.startup.JavaCommandLine;
import dev.forker.boot.ports.PassedSockets;

/**
 * Replaces a master in place with the application as it is now on disk: its original
 * command line (jar or class path, JVM options, arguments, and so the configuration files
 * they name) and environment. The new version is first started in a child process that
 * only reads and checks its configuration and exits, like {@code nginx -t}; then this
 * process executes it with {@code execve}, keeping its pid, its listening sockets and its
 * workers, which the new master adopts from a state file.
 *
 * @since 0.1.0
 */
final class MasterReexec implements MasterReplacement {

	private static final Log logger = LogFactory.getLog(MasterReexec.class);

	static final String STATE_FILE = "upgrade.json";

	/**
	 * Prefix of the state file of a check, numbered: the exit of a check abandoned when
	 * it timed out must not delete the file of the next.
	 */
	static final String CHECK_FILE_PREFIX = "upgrade-check-";

	private final MasterConfig config;

	private final PosixProcesses posix;

	private final SpawnedWorkers workers;

	private long checks;

	private long checkPid = -1;

	MasterReexec(MasterConfig config, PosixProcesses posix, SpawnedWorkers workers) {
		this.config = config;
		this.posix = posix;
		this.workers = workers;
	}

	@Override
	public void check(Consumer<@Nullable String> result) {
		if (this.config.properties().getMode() != ForkerMode.SHARED) {
			// Reservations are not handed over, and the workers' own sockets hold the
			// port
			result.accept("an in-place upgrade needs forker.mode=shared; in reuseport mode use a rolling restart");
			return;
		}
		Path file = this.config.directory().resolve(CHECK_FILE_PREFIX + (++this.checks) + ".json");
		try {
			UpgradeState.of(this.config, List.of()).write(file);
			Map<String, String> environment = environment();
			environment.put(UpgradeState.CHECK_VARIABLE, file.toString());
			environment.put("SPRING_MAIN_BANNER_MODE", "off");
			List<String> command = command();
			long pid = this.workers.spawnOther(command, environment, (status) -> {
				deleteQuietly(file);
				result.accept((status.exitCode() == 0) ? null : "its check (" + String.join(" ", command)
						+ ") ended with " + status + "; its output is above");
			});
			this.checkPid = pid;
			logger.info("Checking the new version in process " + pid);
		}
		catch (IOException | RuntimeException ex) {
			deleteQuietly(file);
			result.accept("its check could not be started: " + ex);
		}
	}

	@Override
	public void abandonCheck() {
		long pid = this.checkPid;
		this.checkPid = -1;
		if (pid > 0 && this.workers.killOther(pid)) {
			logger.info("Killed the check of the new version (process " + pid + ") and its process group");
		}
	}

	@Override
	public String replace(List<WorkerProcesses.Started> workers) {
		Path file = this.config.directory().resolve(STATE_FILE);
		try {
			UpgradeState.of(this.config, workers).write(file);
		}
		catch (IOException | RuntimeException ex) {
			return "the state for the new master could not be written to " + file + ": " + ex;
		}
		Map<String, String> environment = environment();
		environment.put(UpgradeState.VARIABLE, file.toString());
		List<Integer> kept = this.config.ports().stream().map(ServedPort::fd).filter((fd) -> fd != null).toList();
		int errno = this.posix.exec(command(), environment, kept);
		deleteQuietly(file);
		return "execve of " + command().get(0) + " failed with errno " + errno;
	}

	List<String> command() {
		JavaCommandLine commandLine = this.config.commandLine();
		List<String> command = new ArrayList<>();
		command.add(commandLine.executable());
		command.addAll(commandLine.jvmOptions());
		command.addAll(commandLine.target());
		command.addAll(commandLine.programArguments());
		return command;
	}

	Map<String, String> environment() {
		Map<String, String> environment = new LinkedHashMap<>(this.config.workerEnvironment());
		environment.keySet().removeAll(PassedSockets.VARIABLES);
		environment.keySet().removeAll(UpgradeState.VARIABLES);
		environment.remove(MasterConfig.VARIABLE);
		return environment;
	}

	private static void deleteQuietly(Path file) {
		try {
			Files.deleteIfExists(file);
		}
		catch (IOException ex) {
			// A leftover in the master's private directory, deleted with it
		}
	}

}
