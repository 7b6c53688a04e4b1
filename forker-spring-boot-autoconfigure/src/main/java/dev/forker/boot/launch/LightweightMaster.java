package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.startup.CachedLaunch;
import dev.forker.boot.startup.JavaCommandLine;
import dev.forker.boot.ports.PassedSockets;

/**
 * Turns the application's JVM into a small master JVM with {@code execve}: same pid, same
 * terminal, same open sockets, but a JVM sized for supervising (serial GC, a small heap,
 * C1 only) that loads forker, its dependencies and Spring Boot's logging, never the
 * application. A master that stays in the application's JVM keeps everything that JVM
 * loaded to read its configuration (well over 100 MB resident).
 *
 * @since 0.1.0
 */
final class LightweightMaster {

	static final String MAIN_CLASS = "dev.forker.boot.launch.MasterMain";

	private static final String PROPERTIES_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

	// Unknown options (older Java 17 updates lack TrimNativeHeapInterval) must not stop
	// the new JVM: after execve there is no way back
	private static final List<String> JVM_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UseSerialGC",
			"-Xms8m", "-Xmx48m", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1",
			"-XX:ReservedCodeCacheSize=16m", "-XX:TrimNativeHeapInterval=2000", "-XX:MaxMetaspaceSize=128m",
			"-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError");

	/**
	 * Name of the master's class data sharing archive, next to the extracted application
	 * in the startup cache.
	 */
	static final String ARCHIVE = "master.jsa";

	private static final int AUTO_ARCHIVE_JAVA_VERSION = 19;

	private static final int AOT_LOG_TAG_JAVA_VERSION = 24;

	private static final List<String> CLASS_PATH_OPTIONS = List.of("-cp", "-classpath", "--class-path");

	/**
	 * A location that never exists, so that {@code PropertiesLauncher} reads no
	 * {@code loader.properties} (it would look in the working directory, which others may
	 * be able to write to).
	 */
	static final String NO_LOADER_CONFIG = "-Dloader.config.location=classpath:META-INF/forker/no-loader.properties";

	private LightweightMaster() {
	}

	/**
	 * Return the command that starts the lightweight master the way the application was
	 * started: from the same executable jar or class path, or from the extracted jar of
	 * the workers' startup cache, with a class data sharing archive of its own.
	 * @param commandLine the application's command line
	 * @param cache how workers start with a startup cache, or {@code null}
	 * @return the command, or {@code null} when this launch cannot be reproduced for the
	 * master (a module)
	 */
	static @Nullable List<String> command(JavaCommandLine commandLine, @Nullable CachedLaunch cache) {
		List<String> command = new ArrayList<>();
		command.add(commandLine.executable());
		command.addAll(JVM_OPTIONS);
		command.add(WorkerCommand.ENABLE_NATIVE_ACCESS);
		commandLine.jvmOptions()
			.stream()
			.filter((option) -> option.startsWith("-D") && !option.startsWith("-Dloader."))
			.forEach(command::add);
		Path extracted = (cache != null && cache.isCurrent()) ? extractedJar(cache) : null;
		if (extracted != null) {
			// Plain jars load faster than nested ones, and the JVM keeps what it loaded
			// from them in an archive that the next starts map (Java 19 and later)
			if (Runtime.version().feature() >= AUTO_ARCHIVE_JAVA_VERSION) {
				command.add("-XX:SharedArchiveFile=" + extracted.getParent().resolveSibling(ARCHIVE));
				command.add("-XX:+AutoCreateSharedArchive");
				// What the JVM says of the archive (classes it skips, options that differ
				// from the JDK's own archive) is not for the application's console
				command.add("-Xlog:cds*=off");
				if (Runtime.version().feature() >= AOT_LOG_TAG_JAVA_VERSION) {
					command.add("-Xlog:aot*=off");
				}
			}
			command.addAll(List.of("-cp", extracted.toString(), MAIN_CLASS));
			return command;
		}
		List<String> target = commandLine.target();
		if (target.size() == 2 && target.get(0).equals("-jar")) {
			String jar = target.get(1);
			if (isSpringBootJar(jar)) {
				command.add("-Dloader.main=" + MAIN_CLASS);
				command.add(NO_LOADER_CONFIG);
				command.addAll(List.of("-cp", jar, PROPERTIES_LAUNCHER));
			}
			else {
				command.addAll(List.of("-cp", jar, MAIN_CLASS));
			}
			return command;
		}
		if (target.size() == 1 && !target.get(0).startsWith("-")) {
			String classPath = classPath(commandLine.jvmOptions());
			command.addAll(List.of("-cp", (classPath != null) ? classPath : System.getProperty("java.class.path"),
					MAIN_CLASS));
			return command;
		}
		return null;
	}

	/**
	 * Return the environment of the lightweight master: the application's without JVM
	 * option variables (agents are for the application), with the configuration.
	 * @param config the configuration
	 * @return the environment
	 */
	static Map<String, String> environment(MasterConfig config) {
		Map<String, String> environment = new LinkedHashMap<>(System.getenv());
		environment.remove("JAVA_TOOL_OPTIONS");
		environment.remove("JDK_JAVA_OPTIONS");
		// The sockets systemd passed are in the configuration, with their descriptors
		environment.keySet().removeAll(PassedSockets.VARIABLES);
		environment.keySet().removeAll(UpgradeState.VARIABLES);
		// PropertiesLauncher reads its settings from variables too
		environment.keySet().removeIf((name) -> name.startsWith("LOADER_"));
		environment.put("MALLOC_ARENA_MAX", "2");
		environment.put(MasterConfig.VARIABLE, config.toJson());
		return environment;
	}

	private static @Nullable Path extractedJar(CachedLaunch cache) {
		List<String> target = cache.commandLine().target();
		if (target.size() == 2 && target.get(0).equals("-jar")) {
			Path jar = Path.of(target.get(1)).toAbsolutePath();
			if (jar.getParent() != null && jar.getParent().getParent() != null) {
				return jar;
			}
		}
		return null;
	}

	private static boolean isSpringBootJar(String jar) {
		try (JarFile file = new JarFile(Path.of(jar).toFile())) {
			Manifest manifest = file.getManifest();
			String mainClass = (manifest != null) ? manifest.getMainAttributes().getValue("Main-Class") : null;
			return mainClass != null && mainClass.startsWith("org.springframework.boot.loader.");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static @Nullable String classPath(List<String> jvmOptions) {
		for (int i = 0; i < jvmOptions.size() - 1; i++) {
			if (CLASS_PATH_OPTIONS.contains(jvmOptions.get(i))) {
				return jvmOptions.get(i + 1);
			}
		}
		return null;
	}

}
