package dev.forker.boot.launch;

import java.io.IOException;
import java.io.UncheckedIOException;

import dev.forker.boot.logging.MasterLogging;
import dev.forker.boot.posix.PosixProcesses;

/**
 * Entry point of the lightweight master: a small JVM (serial GC, small heap, C1 only)
 * that the application's JVM becomes with {@code execve} once it has read and checked the
 * configuration and taken the ports. It keeps the pid, the terminal and the listening
 * sockets, but none of the memory the application's JVM spent on the application.
 *
 * @since 0.1.0
 */
public final class MasterMain {

	private MasterMain() {
	}

	/**
	 * Run the master described by the {@value MasterConfig#VARIABLE} environment
	 * variable.
	 * @param args ignored
	 */
	public static void main(String[] args) {
		String json = System.getenv(MasterConfig.VARIABLE);
		if (json == null) {
			System.err.println("forker: " + MasterMain.class.getName() + " is started by a forker master only");
			System.exit(2);
		}
		MasterConfig config = MasterConfig.fromJson(json);
		MasterLogging.initialize(config.logging(), MasterMain.class.getClassLoader());
		try {
			System.exit(MasterRun.run(config, PosixProcesses.load()));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("forker master failed", ex);
		}
	}

}
