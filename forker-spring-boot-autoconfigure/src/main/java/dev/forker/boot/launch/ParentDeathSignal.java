package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Starts a worker so that the kernel sends it {@code SIGTERM} the moment its master dies,
 * before the worker's JVM has run any code: through util-linux's {@code setpriv
 * --pdeathsig TERM} (Linux's {@code PR_SET_PDEATHSIG}), which then executes the worker's
 * {@code java} in the same process. A JVM that has not installed its signal handlers yet
 * dies at once; one that has runs its shutdown hooks, and the worker's link to the master
 * bounds them (see {@code WorkerAgent}).
 * <p>
 * The signal is tied to the thread that started the worker: forker starts workers on the
 * master's own thread, which lives as long as the master (and survives the {@code execve}
 * into the lightweight master). Without {@code setpriv} (or with one older than
 * util-linux 2.33, which lacks {@code --pdeathsig}) workers start as they are, and notice
 * that their master is gone once their JVM runs.
 *
 * @since 0.1.0
 */
final class ParentDeathSignal {

	private static final Log logger = LogFactory.getLog(ParentDeathSignal.class);

	private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"),
			Path.of("/usr/sbin/setpriv"), Path.of("/sbin/setpriv"));

	private static final byte[] OPTION = "pdeathsig".getBytes(StandardCharsets.US_ASCII);

	private final List<String> prefix;

	private ParentDeathSignal(List<String> prefix) {
		this.prefix = List.copyOf(prefix);
	}

	/**
	 * Return how workers start: through {@code setpriv} when it is there and asked for.
	 * @param enabled {@code forker.worker.parent-death-signal}
	 * @return the parent death signal
	 */
	static ParentDeathSignal of(boolean enabled) {
		if (!enabled || !System.getProperty("os.name", "").startsWith("Linux")) {
			return new ParentDeathSignal(List.of());
		}
		for (Path setpriv : SETPRIV) {
			if (Files.isExecutable(setpriv) && knowsParentDeathSignal(setpriv)) {
				return new ParentDeathSignal(List.of(setpriv.toString(), "--pdeathsig", "TERM", "--"));
			}
		}
		logger.debug("No setpriv with --pdeathsig (util-linux 2.33 or later): workers notice that their master is "
				+ "gone once their JVM runs");
		return new ParentDeathSignal(List.of());
	}

	/**
	 * Return whether this {@code setpriv} has {@code --pdeathsig}, from its usage text,
	 * without starting a process: the master reaps every child it has.
	 */
	private static boolean knowsParentDeathSignal(Path setpriv) {
		try {
			byte[] binary = Files.readAllBytes(setpriv);
			for (int i = 0; i + OPTION.length <= binary.length; i++) {
				int j = 0;
				while (j < OPTION.length && binary[i + j] == OPTION[j]) {
					j++;
				}
				if (j == OPTION.length) {
					return true;
				}
			}
		}
		catch (IOException | OutOfMemoryError ex) {
			// Not usable
		}
		return false;
	}

	/**
	 * Return a worker's command, started through {@code setpriv} when it is used.
	 * @param command the worker's command
	 * @return the command to spawn
	 */
	List<String> wrap(List<String> command) {
		if (this.prefix.isEmpty()) {
			return command;
		}
		List<String> wrapped = new ArrayList<>(this.prefix);
		wrapped.addAll(command);
		return wrapped;
	}

	boolean isUsed() {
		return !this.prefix.isEmpty();
	}

}
