package dev.forker.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The master logs the way the application is configured to log, like its workers:
 * structured formats for log shipping, console patterns and levels.
 */
class MasterLoggingIT {

	@Test
	void everyLineOfTheMasterIsStructuredWhenTheApplicationLogsStructured() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("structured-logging")
			.args("--forker.workers=2", "--logging.structured.format.console=ecs", "--spring.main.banner-mode=off")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			List<JsonNode> master = new ArrayList<>();
			for (String line : forker.output().lines().filter((line) -> !line.isBlank()).toList()) {
				JsonNode json = parse(line, forker);
				if (json.at("/process/pid").asLong() == forker.pid()) {
					master.add(json);
				}
			}
			assertThat(master).as("lines of the master").hasSizeGreaterThan(4);
			assertThat(master).allSatisfy((json) -> {
				assertThat(json.at("/forker/process").asString()).isEqualTo("master");
				assertThat(json.at("/service/name").asString()).isEqualTo("forker-sample-webmvc");
				assertThat(json.at("/log/level").asString()).isNotEmpty();
			});
			assertThat(master).extracting((json) -> json.get("message").asString())
				.anyMatch((message) -> message.startsWith("Started worker 1"))
				.anyMatch((message) -> message.startsWith("All 2 workers are ready"));
		}
	}

	@Test
	void masterFollowsTheConsolePatternAndLevels() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("pattern-logging")
			.args("--forker.workers=2", "--logging.pattern.console=CUSTOM %5p ${PID} %logger{0}: %m%n",
					"--logging.level.dev.forker.boot.master=WARN", "--spring.main.banner-mode=off")
			.start()) {
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(90));
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			String output = forker.output();
			assertThat(output)
				.containsPattern("CUSTOM  INFO \\d+ SampleWebMvcApplication: Started SampleWebMvcApplication");
			assertThat(output).as("INFO lines of the master's supervisor, below its configured level")
				.doesNotContain("Started worker 1", "All 2 workers are ready");
			assertThat(output.lines().filter((line) -> !line.isBlank())).allMatch((line) -> line.startsWith("CUSTOM "));
		}
	}

	private static JsonNode parse(String line, ForkerProcess forker) {
		try {
			return Json.parse(line);
		}
		catch (JacksonException ex) {
			return fail("Not a JSON line: '" + line + "'" + forker.tail());
		}
	}

}
