package dev.forker.boot.master;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.worker.WorkerEnvironment;
import dev.forker.boot.worker.WorkerSocketMode;

/**
 * Everything a master needs to start a worker: the command, the port and how workers
 * share it, and the environment each worker gets.
 *
 * @param commandLine the command line of the master's JVM, without debugger options
 * @param jvmArgs extra JVM options for the workers, placed after the master's own
 * @param autoSize whether to size each worker JVM for its share of the machine
 * @param processors the number of available processors
 * @param port the port the workers serve
 * @param socketMode how workers obtain their listening socket
 * @param stdinFd the master's file descriptor to pass as a worker's standard input, or
 * {@code null} for {@code /dev/null}
 * @param baseEnvironment the environment workers start from, empty for the master's own
 * @since 0.1.0
 */
record WorkerLaunch(JavaCommandLine commandLine, List<String> jvmArgs, boolean autoSize, int processors, int port,
		WorkerSocketMode socketMode, @Nullable Integer stdinFd, Map<String, String> baseEnvironment) {

	private static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

	WorkerLaunch {
		jvmArgs = List.copyOf(jvmArgs);
		baseEnvironment = Map.copyOf(baseEnvironment);
	}

	/**
	 * Return the command of a worker.
	 * @param workers the number of workers the master runs now
	 * @return the command, executable first
	 */
	List<String> command(int workers) {
		List<String> defaults = this.autoSize ? WorkerJvmSizing.options(workers, this.processors) : List.of();
		return this.commandLine.toCommand(defaults, this.jvmArgs);
	}

	/**
	 * Return the environment of a worker: the application's, without debugger agents in
	 * the JVM option variables, plus the variables that make the process a worker.
	 * @param worker the worker
	 * @return the environment variables
	 */
	Map<String, String> environment(WorkerEnvironment worker) {
		Map<String, String> environment = new LinkedHashMap<>(
				this.baseEnvironment.isEmpty() ? System.getenv() : this.baseEnvironment);
		environment.remove(MasterConfig.VARIABLE);
		for (String name : JVM_OPTION_VARIABLES) {
			String value = environment.get(name);
			if (value != null) {
				environment.put(name,
						Arrays.stream(value.trim().split("\\s+"))
							.filter((option) -> !JavaCommandLine.isDebuggerOption(option))
							.collect(Collectors.joining(" ")));
			}
		}
		environment.putAll(worker.toVariables());
		return environment;
	}

}
