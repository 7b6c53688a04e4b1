package dev.forker.boot.startup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The command line of a Java launcher invocation, split into what a worker reuses: the
 * executable, the JVM options, the launch target (a main class, {@code -jar} file or
 * module) and the program arguments.
 *
 * @param executable the absolute path of the {@code java} executable
 * @param jvmOptions the JVM and launcher options, class path included
 * @param target the launch target: {@code [main class]}, {@code [-jar, file]} or
 * {@code [-m, module]}
 * @param programArguments the arguments of the main method
 * @since 0.1.0
 */
public record JavaCommandLine(String executable, List<String> jvmOptions, List<String> target,
		List<String> programArguments) {

	/**
	 * Launcher options whose value is the next argument.
	 */
	private static final Set<String> OPTIONS_WITH_VALUE = Set.of("-cp", "-classpath", "--class-path", "-p",
			"--module-path", "--upgrade-module-path", "--add-modules", "--enable-native-access", "--limit-modules",
			"--add-exports", "--add-reads", "--add-opens", "--patch-module", "--source", "--illegal-native-access");

	public JavaCommandLine {
		jvmOptions = List.copyOf(jvmOptions);
		target = List.copyOf(target);
		programArguments = List.copyOf(programArguments);
	}

	/**
	 * Return the command line of the running JVM.
	 * @return the command line
	 */
	public static JavaCommandLine current() {
		String executable = ProcessHandle.current()
			.info()
			.command()
			.orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
		List<String> arguments = currentArguments();
		if (arguments != null) {
			return parse(executable, arguments);
		}
		return fromRuntime(executable);
	}

	private static List<String> currentArguments() {
		Path cmdline = Path.of("/proc/self/cmdline");
		if (Files.isReadable(cmdline)) {
			try {
				// Read it ourselves: ProcessHandle.Info truncates long command lines
				String raw = Files.readString(cmdline, nativeCharset());
				List<String> argv = new ArrayList<>(Arrays.asList(raw.split("\0", -1)));
				if (!argv.isEmpty() && argv.get(argv.size() - 1).isEmpty()) {
					argv.remove(argv.size() - 1);
				}
				return (argv.size() > 1) ? argv.subList(1, argv.size()) : null;
			}
			catch (IOException ex) {
				// fall through to ProcessHandle
			}
		}
		return ProcessHandle.current().info().arguments().map(List::of).orElse(null);
	}

	private static Charset nativeCharset() {
		try {
			return Charset.forName(System.getProperty("sun.jnu.encoding"));
		}
		catch (RuntimeException ex) {
			return Charset.defaultCharset();
		}
	}

	private static JavaCommandLine fromRuntime(String executable) {
		List<String> options = new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
		options.add("-cp");
		options.add(System.getProperty("java.class.path"));
		String[] command = System.getProperty("sun.java.command", "").trim().split(" ");
		List<String> target = command[0].endsWith(".jar") ? List.of("-jar", command[0]) : List.of(command[0]);
		if (target.size() == 2) {
			options.remove(options.size() - 1);
			options.remove(options.size() - 1);
		}
		return new JavaCommandLine(executable, options, target, Arrays.asList(command).subList(1, command.length));
	}

	/**
	 * Split the arguments of a {@code java} invocation.
	 * @param executable the executable
	 * @param arguments the arguments after the executable
	 * @return the command line
	 * @throws IllegalArgumentException if the arguments name no launch target
	 */
	public static JavaCommandLine parse(String executable, List<String> arguments) {
		List<String> options = new ArrayList<>();
		int i = 0;
		while (i < arguments.size()) {
			String argument = arguments.get(i);
			if (argument.equals("-jar") || argument.equals("-m") || argument.equals("--module")) {
				requireValue(arguments, i);
				return new JavaCommandLine(executable, options, arguments.subList(i, i + 2),
						arguments.subList(i + 2, arguments.size()));
			}
			if (argument.startsWith("--module=")) {
				return new JavaCommandLine(executable, options, List.of(argument),
						arguments.subList(i + 1, arguments.size()));
			}
			if (!argument.startsWith("-") && !argument.startsWith("@")) {
				return new JavaCommandLine(executable, options, List.of(argument),
						arguments.subList(i + 1, arguments.size()));
			}
			options.add(argument);
			if (OPTIONS_WITH_VALUE.contains(argument)) {
				requireValue(arguments, i);
				options.add(arguments.get(i + 1));
				i++;
			}
			i++;
		}
		throw new IllegalArgumentException("No main class, -jar file or module in java command line " + arguments);
	}

	private static void requireValue(List<String> arguments, int index) {
		if (index + 1 >= arguments.size()) {
			throw new IllegalArgumentException(arguments.get(index) + " has no value in " + arguments);
		}
	}

	/**
	 * Return a copy without debugger agents, whose listening port would collide in the
	 * second JVM.
	 * @return the command line without debugger options
	 */
	public JavaCommandLine withoutDebugger() {
		return new JavaCommandLine(this.executable,
				this.jvmOptions.stream().filter((o) -> !isDebuggerOption(o)).toList(), this.target,
				this.programArguments);
	}

	/**
	 * Return whether a JVM option starts a debugger agent.
	 * @param option the option
	 * @return {@code true} for {@code -agentlib:jdwp}, {@code -Xrunjdwp} and
	 * {@code -Xdebug}
	 */
	public static boolean isDebuggerOption(String option) {
		return option.startsWith("-agentlib:jdwp") || option.startsWith("-Xrunjdwp") || option.equals("-Xdebug");
	}

}
