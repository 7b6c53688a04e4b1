package dev.forker.boot.launch;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.core.NativeDetector;
import org.springframework.core.env.Environment;

import dev.forker.boot.control.WorkerEnvironment;

/**
 * The part a starting application plays in a forker deployment.
 *
 * @since 0.1.0
 */
enum ProcessRole {

	/**
	 * Prefork mode is on and this process starts and supervises the workers; it never
	 * builds the application context.
	 */
	MASTER,

	/**
	 * This process was started by a master and runs the application.
	 */
	WORKER,

	/**
	 * Prefork mode is on, but this process runs the application alone: a test framework,
	 * DevTools or an AOT build started it, or it is a native image.
	 */
	SINGLE_PROCESS,

	/**
	 * Prefork mode is off.
	 */
	DISABLED;

	private static final List<String> SINGLE_PROCESS_LAUNCHERS = List.of("org.junit.", "org.testng.",
			"org.springframework.test.", "org.springframework.boot.test.", "io.cucumber.", "org.spockframework.",
			"org.springframework.boot.devtools.restart.", "org.springframework.boot.SpringApplicationAotProcessor",
			"org.springframework.context.aot.");

	/**
	 * Determine the role of the process whose application is starting on this thread.
	 * @param environment the application's environment
	 * @return the role
	 */
	static ProcessRole of(Environment environment) {
		if (WorkerEnvironment.current() != null) {
			return WORKER;
		}
		if (!environment.getProperty("forker.enabled", Boolean.class, false)) {
			return DISABLED;
		}
		return (singleProcessReason() != null) ? SINGLE_PROCESS : MASTER;
	}

	/**
	 * Return why prefork mode cannot fork here, if it cannot.
	 * @return the reason, or {@code null} when nothing prevents forking
	 */
	static @Nullable String singleProcessReason() {
		if (NativeDetector.inNativeImage()) {
			return "it runs as a native image";
		}
		return StackWalker.getInstance()
			.walk((frames) -> frames.map(StackWalker.StackFrame::getClassName)
				.filter(ProcessRole::isSingleProcessLauncher)
				.findFirst()
				.map((className) -> "it was launched by " + className)
				.orElse(null));
	}

	private static boolean isSingleProcessLauncher(String className) {
		for (String prefix : SINGLE_PROCESS_LAUNCHERS) {
			if (className.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

}
