package dev.forker.boot.launch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.startup.CachedLaunch;
import dev.forker.boot.startup.JavaCommandLine;
import dev.forker.boot.ports.PassedSockets;

/**
 * The command line and environment of a worker: the master's own JVM, JVM options, class
 * path or jar, main class and arguments, plus the sizing defaults and
 * {@code forker.worker.jvm-args}; the application's environment plus the variables that
 * make the process a worker. With a startup cache, workers start from the extracted jar
 * with the cache, as long as the application jar is the one the cache was made from: a
 * new jar (a deployment followed by a rolling restart) starts from the jar itself.
 *
 * @since 0.1.0
 */
final class WorkerCommand {

	private static final Log logger = LogFactory.getLog(WorkerCommand.class);

	/**
	 * The option that allows the class path's native access: jffi (through jnr-posix)
	 * loads a native library, which Java 24 and later warn about without it. Java 17
	 * accepts it as well.
	 */
	static final String ENABLE_NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

	private static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

	private final JavaCommandLine commandLine;

	private final @Nullable CachedLaunch cache;

	private final List<String> jvmArgs;

	private final boolean autoSize;

	private final int processors;

	private final Map<String, String> baseEnvironment;

	private final @Nullable WorkerMemory memory;

	private boolean cacheOutdated;

	/**
	 * Create a new instance.
	 * @param commandLine the command line of the master's JVM, without debugger options
	 * @param cache how workers start with a startup cache, or {@code null}
	 * @param jvmArgs extra JVM options for the workers, placed after the master's own
	 * @param autoSize whether to size each worker JVM for its share of the machine
	 * @param processors the number of available processors
	 * @param baseEnvironment the environment workers start from, empty for this process's
	 * own
	 */
	WorkerCommand(JavaCommandLine commandLine, @Nullable CachedLaunch cache, List<String> jvmArgs, boolean autoSize,
			int processors, Map<String, String> baseEnvironment) {
		this(commandLine, cache, jvmArgs, autoSize, processors, baseEnvironment, null);
	}

	/**
	 * Create a new instance.
	 * @param commandLine the command line of the master's JVM, without debugger options
	 * @param cache how workers start with a startup cache, or {@code null}
	 * @param jvmArgs extra JVM options for the workers, placed after the master's own
	 * @param autoSize whether to size each worker JVM for its share of the machine
	 * @param processors the number of available processors
	 * @param baseEnvironment the environment workers start from, empty for this process's
	 * own
	 * @param memory the workers' memory, which sizes each worker's heap in place of the
	 * buildpack memory calculator's, or {@code null}
	 */
	WorkerCommand(JavaCommandLine commandLine, @Nullable CachedLaunch cache, List<String> jvmArgs, boolean autoSize,
			int processors, Map<String, String> baseEnvironment, @Nullable WorkerMemory memory) {
		this.memory = memory;
		this.commandLine = commandLine;
		this.cache = cache;
		this.jvmArgs = List.copyOf(jvmArgs);
		this.autoSize = autoSize;
		this.processors = processors;
		this.baseEnvironment = Map.copyOf(baseEnvironment);
	}

	/**
	 * Return the command of a worker.
	 * @param workers the number of workers the master runs now
	 * @return the command, executable first
	 */
	List<String> command(int workers) {
		JavaCommandLine launch = launch();
		List<String> command = new ArrayList<>();
		command.add(launch.executable());
		if (this.autoSize) {
			WorkerMemory memory = this.memory;
			command.addAll((memory != null) ? memory.sizingOptions(workers)
					: WorkerJvmSizing.options(workers, this.processors));
		}
		command.add(ENABLE_NATIVE_ACCESS);
		command.addAll(launch.jvmOptions());
		command.addAll(this.jvmArgs);
		command.addAll(launch.target());
		command.addAll(launch.programArguments());
		return command;
	}

	private JavaCommandLine launch() {
		CachedLaunch cache = this.cache;
		if (cache == null || this.cacheOutdated) {
			return this.commandLine;
		}
		if (!cache.isCurrent()) {
			this.cacheOutdated = true;
			logger.info("The application jar " + cache.jar() + " changed since the startup cache was made: workers "
					+ "start from the new jar, without the cache, until the master restarts");
			return this.commandLine;
		}
		return cache.commandLine();
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
		environment.keySet().removeAll(PassedSockets.VARIABLES);
		environment.keySet().removeAll(UpgradeState.VARIABLES);
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
