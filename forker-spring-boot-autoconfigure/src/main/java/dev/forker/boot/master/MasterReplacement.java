package dev.forker.boot.master;

import java.util.List;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * How a master replaces itself in place with the version of the application now on disk,
 * keeping its pid, its listening sockets and its running workers: first a check of the
 * new version in a child process, then {@code execve}.
 *
 * @since 0.1.0
 */
public interface MasterReplacement {

	/**
	 * A master that cannot replace itself.
	 */
	MasterReplacement NONE = new MasterReplacement() {

		@Override
		public void check(Consumer<@Nullable String> result) {
			result.accept("this master cannot replace itself (it was not started from a jar or a class path)");
		}

		@Override
		public String replace(List<WorkerProcesses.Started> workers) {
			return "this master cannot replace itself";
		}

	};

	/**
	 * Check the new version without disturbing the running one, such as by starting its
	 * command line in a check mode that reads and validates the configuration and exits.
	 * @param result called, on any thread, with {@code null} when the new version passed,
	 * or with what failed
	 */
	void check(Consumer<@Nullable String> result);

	/**
	 * Stop the check under way, which took too long, with every process it started. Its
	 * result, if it still comes, is ignored.
	 */
	default void abandonCheck() {
	}

	/**
	 * Replace this process with the new version, which adopts the workers. Returns only
	 * when that fails.
	 * @param workers the running workers, for the new master to adopt
	 * @return what failed
	 */
	String replace(List<WorkerProcesses.Started> workers);

}
