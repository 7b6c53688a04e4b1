package dev.forker.boot.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.constants.platform.Signal;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnAttribute;
import jnr.posix.SpawnFileAction;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.diagnostics.ForkerUnsupportedPlatformException;

/**
 * The POSIX process control the JDK lacks: spawning a worker with exactly the file
 * descriptors it should have, signalling it, and reaping it with {@code waitpid}.
 *
 * @since 0.1.0
 */
final class PosixProcesses {

	private static final short SPAWN_FLAGS = (short) SpawnAttribute.SETPGROUP;

	private final POSIX posix;

	private PosixProcesses(POSIX posix) {
		this.posix = posix;
	}

	static PosixProcesses load() {
		POSIX posix;
		try {
			posix = POSIXFactory.getNativePOSIX();
		}
		catch (RuntimeException | LinkageError ex) {
			throw new ForkerUnsupportedPlatformException(
					"the native POSIX functions forker uses (posix_spawn, waitpid, kill) are not available: " + ex);
		}
		if (!posix.isNative()) {
			throw new ForkerUnsupportedPlatformException(
					"the native POSIX functions forker uses (posix_spawn, waitpid, kill) are not available");
		}
		return new PosixProcesses(posix);
	}

	/**
	 * Start a process in its own process group. Its standard input is {@code stdinFd} or
	 * {@code /dev/null}, its standard output and error are this process's, and it
	 * inherits no other file descriptor.
	 * @param argv the command, {@code argv[0]} being the absolute path of the executable
	 * @param environment the complete environment of the new process
	 * @param stdinFd a file descriptor of this process to pass as standard input, or
	 * {@code null}
	 * @return the pid of the new process
	 * @throws IOException if the process could not be started
	 */
	long spawn(List<String> argv, Map<String, String> environment, @Nullable Integer stdinFd) throws IOException {
		List<SpawnFileAction> actions = new ArrayList<>();
		if (stdinFd != null) {
			actions.add(SpawnFileAction.dup(stdinFd, 0));
		}
		else {
			actions.add(SpawnFileAction.open("/dev/null", 0, OpenFlags.O_RDONLY.intValue(), 0));
		}
		for (int fd : openFileDescriptors()) {
			if (fd > 2) {
				actions.add(SpawnFileAction.close(fd));
			}
		}
		List<String> envp = new ArrayList<>(environment.size());
		environment.forEach((name, value) -> envp.add(name + "=" + value));
		List<SpawnAttribute> attributes = List.of(SpawnAttribute.flags(SPAWN_FLAGS), SpawnAttribute.pgroup(0));
		long pid = this.posix.posix_spawnp(argv.get(0), actions, attributes, argv, envp);
		if (pid <= 0) {
			throw new IOException("posix_spawnp of " + argv.get(0) + " failed");
		}
		return pid;
	}

	/**
	 * Replace this process with a new program, keeping its pid and open file descriptors.
	 * Returns only if that fails.
	 * @param argv the command, {@code argv[0]} being the absolute path of the executable
	 * @param environment the complete environment of the new program
	 * @return the error number of the failure
	 */
	int exec(List<String> argv, Map<String, String> environment) {
		List<String> envp = new ArrayList<>(environment.size());
		environment.forEach((name, value) -> envp.add(name + "=" + value));
		this.posix.execve(argv.get(0), argv.toArray(String[]::new), envp.toArray(String[]::new));
		return this.posix.errno();
	}

	/**
	 * Send a signal to a process.
	 * @param pid the process
	 * @param signal the signal
	 * @return whether the signal was delivered
	 */
	boolean signal(long pid, Signal signal) {
		return this.posix.kill(pid, signal.intValue()) == 0;
	}

	/**
	 * Reap {@code pid} on a new daemon thread, then hand its exit status to
	 * {@code onExit}.
	 * @param pid a child process of this process
	 * @param onExit called once, on the reaper thread, when the process has ended
	 */
	void reapWhenDone(long pid, Consumer<ExitStatus> onExit) {
		Thread reaper = new Thread(() -> onExit.accept(waitFor(pid)), "forker-reaper-" + pid);
		reaper.setDaemon(true);
		reaper.start();
	}

	private ExitStatus waitFor(long pid) {
		int[] status = new int[1];
		while (true) {
			int result = this.posix.waitpid(pid, status, 0);
			if (result == pid) {
				return ExitStatus.fromWaitStatus(status[0]);
			}
			if (result < 0 && this.posix.errno() != Errno.EINTR.intValue()) {
				// Not our child any more (ECHILD): its status is lost
				return new ExitStatus(-1, 0);
			}
		}
	}

	/**
	 * Return the file descriptors open in this process.
	 * @return the open file descriptors
	 * @throws IOException if they cannot be listed
	 */
	static List<Integer> openFileDescriptors() throws IOException {
		Path directory = Files.isDirectory(Path.of("/proc/self/fd")) ? Path.of("/proc/self/fd") : Path.of("/dev/fd");
		List<Integer> descriptors = new ArrayList<>();
		try (Stream<Path> entries = Files.list(directory)) {
			entries.forEach((entry) -> {
				try {
					descriptors.add(Integer.parseInt(entry.getFileName().toString()));
				}
				catch (NumberFormatException ex) {
					// not a descriptor
				}
			});
		}
		return descriptors;
	}

}
