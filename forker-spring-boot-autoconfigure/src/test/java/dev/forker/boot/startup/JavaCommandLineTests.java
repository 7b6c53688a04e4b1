package dev.forker.boot.startup;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link JavaCommandLine}.
 */
class JavaCommandLineTests {

	@Test
	void splitsAJarLaunch() {
		JavaCommandLine line = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-Xmx1g", "-Dspring.profiles.active=prod", "-jar", "app.jar", "--server.port=9000", "-v"));
		assertThat(line.jvmOptions()).containsExactly("-Xmx1g", "-Dspring.profiles.active=prod");
		assertThat(line.target()).containsExactly("-jar", "app.jar");
		assertThat(line.programArguments()).containsExactly("--server.port=9000", "-v");
	}

	@Test
	void splitsAClassPathLaunchWithOptionValues() {
		JavaCommandLine line = JavaCommandLine.parse("/jdk/bin/java", List.of("-cp", "a.jar:b.jar", "--add-opens",
				"java.base/java.lang=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "com.example.App", "x"));
		assertThat(line.jvmOptions()).containsExactly("-cp", "a.jar:b.jar", "--add-opens",
				"java.base/java.lang=ALL-UNNAMED", "-XX:TieredStopAtLevel=1");
		assertThat(line.target()).containsExactly("com.example.App");
		assertThat(line.programArguments()).containsExactly("x");
	}

	@Test
	void splitsAModuleLaunch() {
		JavaCommandLine line = JavaCommandLine.parse("/jdk/bin/java",
				List.of("-p", "mods", "-m", "com.example/com.example.App", "a"));
		assertThat(line.jvmOptions()).containsExactly("-p", "mods");
		assertThat(line.target()).containsExactly("-m", "com.example/com.example.App");
		assertThat(line.programArguments()).containsExactly("a");
	}

	@Test
	void keepsArgumentFiles() {
		JavaCommandLine line = JavaCommandLine.parse("/jdk/bin/java", List.of("@options.txt", "com.example.App"));
		assertThat(line.jvmOptions()).containsExactly("@options.txt");
		assertThat(line.target()).containsExactly("com.example.App");
	}

	@Test
	void rejectsACommandLineWithoutTarget() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> JavaCommandLine.parse("/jdk/bin/java", List.of("-Xmx1g", "-cp", "a.jar")))
			.withMessageContaining("No main class");
	}

	@Test
	void dropsDebuggerAgents() {
		JavaCommandLine line = JavaCommandLine
			.parse("/jdk/bin/java",
					List.of("-agentlib:jdwp=transport=dt_socket,server=y,address=*:5005", "-Xdebug",
							"-Xrunjdwp:transport=dt_socket", "-javaagent:otel.jar", "-jar", "app.jar"))
			.withoutDebugger();
		assertThat(line.jvmOptions()).containsExactly("-javaagent:otel.jar");
	}

	@Test
	void readsTheCommandLineOfThisJvm() {
		JavaCommandLine line = JavaCommandLine.current();
		assertThat(line.executable()).endsWith("java");
		assertThat(line.target()).isNotEmpty();
	}

}
