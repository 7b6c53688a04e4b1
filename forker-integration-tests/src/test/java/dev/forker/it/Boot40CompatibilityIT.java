package dev.forker.it;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An existing Spring Boot 4.0 application with JPA on an embedded database, Thymeleaf and
 * Actuator runs in prefork mode with nothing added but the starter and the property.
 */
class Boot40CompatibilityIT {

	@Test
	void boot40ApplicationServesFromTwoWorkers() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-boot40"))
			.name("boot40")
			.args("--forker.workers=2")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
			assertThat(forker.output()).contains("Spring Boot ::                (v4.0.9)");
			// Its embedded H2 is a database per worker: forker says so
			assertThat(forker.output())
				.contains("The application uses an in-memory database, the embedded database Spring Boot creates")
				.contains("each of the 2 workers has a database of its own");
			Map<Long, WorkerAnswer> answers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
			for (int i = 0; i < 6; i++) {
				HttpProbe.Response greetings = HttpProbe.get(forker.port(), "/greetings");
				assertThat(greetings.status()).isEqualTo(200);
				assertThat(greetings.body()).contains("[\"Hello\",\"Bonjour\",\"Hallo\"]");
				HttpProbe.Response page = HttpProbe.get(forker.port(), "/");
				assertThat(page.status()).isEqualTo(200);
				assertThat(page.body()).containsPattern("Greetings from worker <span id=\"worker\">[12]</span>")
					.contains("<li>Bonjour</li>");
				HttpProbe.Response health = HttpProbe.get(forker.port(), "/actuator/health");
				assertThat(health.status()).isEqualTo(200);
				assertThat(health.body()).contains("\"status\":\"UP\"");
			}
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

}
