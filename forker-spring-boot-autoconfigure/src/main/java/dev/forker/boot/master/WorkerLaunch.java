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
 * @param command the worker command, executable first
 * @param port the port the workers serve
 * @param socketMode how workers obtain their listening socket
 * @param stdinFd the master's file descriptor to pass as a worker's standard input, or
 * {@code null} for {@code /dev/null}
 * @since 0.1.0
 */
record WorkerLaunch(List<String> command, int port, WorkerSocketMode socketMode, @Nullable Integer stdinFd) {

	private static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

	WorkerLaunch {
		command = List.copyOf(command);
	}

	/**
	 * Return the environment of a worker: the master's own, without debugger agents in
	 * the JVM option variables, plus the variables that make the process a worker.
	 * @param worker the worker
	 * @return the environment variables
	 */
	Map<String, String> environment(WorkerEnvironment worker) {
		Map<String, String> environment = new LinkedHashMap<>(System.getenv());
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
