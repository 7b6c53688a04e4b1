package dev.forker.boot.launch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * The command line and environment of a worker: the master's own JVM, JVM options, class
 * path or jar, main class and arguments, plus the sizing defaults and
 * {@code forker.worker.jvm-args}; the application's environment plus the variables that
 * make the process a worker.
 *
 * @param commandLine the command line of the master's JVM, without debugger options
 * @param jvmArgs extra JVM options for the workers, placed after the master's own
 * @param autoSize whether to size each worker JVM for its share of the machine
 * @param processors the number of available processors
 * @param baseEnvironment the environment workers start from, empty for this process's own
 * @since 0.1.0
 */
record WorkerCommand(JavaCommandLine commandLine, List<String> jvmArgs, boolean autoSize, int processors,
		Map<String, String> baseEnvironment) {

	/**
	 * The option that allows the class path's native access: jffi (through jnr-posix)
	 * loads a native library, which Java 24 and later warn about without it. Java 17
	 * accepts it as well.
	 */
	static final String ENABLE_NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

	private static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

	WorkerCommand {
		jvmArgs = List.copyOf(jvmArgs);
		baseEnvironment = Map.copyOf(baseEnvironment);
	}

	/**
	 * Return the command of a worker.
	 * @param workers the number of workers the master runs now
	 * @return the command, executable first
	 */
	List<String> command(int workers) {
		List<String> command = new ArrayList<>();
		command.add(this.commandLine.executable());
		if (this.autoSize) {
			command.addAll(WorkerJvmSizing.options(workers, this.processors));
		}
		command.add(ENABLE_NATIVE_ACCESS);
		command.addAll(this.commandLine.jvmOptions());
		command.addAll(this.jvmArgs);
		command.addAll(this.commandLine.target());
		command.addAll(this.commandLine.programArguments());
		return command;
	}

	/**
	 * Return the environment of a worker: the application's, without debugger agents in
	 * the JVM option variables and without the variables forker sets itself, plus the
	 * variables that make the process a worker.
	 * @param worker the worker
	 * @return the environment variables
	 */
	Map<String, String> environment(WorkerEnvironment worker) {
		Map<String, String> environment = new LinkedHashMap<>(
				this.baseEnvironment.isEmpty() ? System.getenv() : this.baseEnvironment);
		environment.keySet().removeAll(WorkerEnvironment.VARIABLES);
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
