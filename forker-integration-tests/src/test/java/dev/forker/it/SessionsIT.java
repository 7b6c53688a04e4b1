package dev.forker.it;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import dev.forker.it.SharedDeployments.Deployment;
import dev.forker.it.SharedDeployments.Shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP sessions every worker sees: a Spring Security form login on an application with
 * its own parent and only the starter added, on a real PostgreSQL, stays logged in on 2
 * workers with every request on a new connection, through a rolling restart and a worker
 * crash; and a WebFlux session on Netty and a servlet session on Jetty keep their
 * attributes across workers (on the {@link SharedDeployments shared deployments}).
 */
@ExtendWith(SharedDeployments.class)
class SessionsIT {

	private static EmbeddedPostgres postgres;

	@BeforeAll
	static void startPostgres() throws Exception {
		postgres = EmbeddedPostgres.start();
		postgres.createDatabase("sessions");
	}

	@AfterAll
	static void stopPostgres() throws Exception {
		if (postgres != null) {
			postgres.close();
		}
	}

	@Test
	void loginStaysThroughNewConnectionsARollingRestartAndACrash() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-postgres"))
			.name("sessions-login")
			.args("--forker.workers=2", "--spring.profiles.active=sqlinit",
					"--spring.datasource.url=" + postgres.jdbcUrl("sessions"), "--app.jobs.enabled=false",
					"--server.servlet.session.cookie.name=APPSESSION")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			assertThat(forker.output())
				.contains("HTTP sessions are kept in files that every worker reads and writes directly");
			Browser browser = new Browser(forker.port());
			assertThat(browser.get("/account").status()).as("not logged in yet").isEqualTo(302);
			Browser.Page login = browser.logIn("betty", "davis");
			assertThat(login.status()).as(login.toString()).isEqualTo(302);
			assertThat(login.location()).doesNotContain("error");
			assertThat(browser.cookies()).as("Spring Boot's cookie name").containsKey("APPSESSION");
			int visits = visitsOnBothWorkers(browser, 0);

			Set<Long> before = ForkerProcess.readyPids(forker.status());
			forker.signal("HUP");
			await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				JsonNode status = forker.status();
				assertThat(status.at("/master/rollingRestart").isNull()).isTrue();
				assertThat(ForkerProcess.readyPids(status)).hasSize(2).doesNotContainAnyElementsOf(before);
			});
			visits = visitsOnBothWorkers(browser, visits);

			long victim = ForkerProcess.readyPids(forker.status()).iterator().next();
			ForkerProcess.signal(victim, "KILL");
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				JsonNode status = forker.status();
				assertThat(ForkerProcess.readyPids(status)).hasSize(2).doesNotContain(victim);
			});
			visitsOnBothWorkers(browser, visits);

			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@Test
	void sessionKeepsItsAttributesAcrossWorkersOnReactorNetty(@Shared(Deployment.WEBFLUX) ForkerProcess forker)
			throws Exception {
		sessionKeepsItsAttributesAcrossWorkers(forker);
	}

	@Test
	void sessionKeepsItsAttributesAcrossWorkersOnJetty(@Shared(Deployment.JETTY) ForkerProcess forker)
			throws Exception {
		sessionKeepsItsAttributesAcrossWorkers(forker);
	}

	private void sessionKeepsItsAttributesAcrossWorkers(ForkerProcess forker) throws Exception {
		Browser browser = new Browser(forker.port());
		Set<Long> pids = new HashSet<>();
		for (int visit = 1; visit <= 20; visit++) {
			Browser.Page page = browser.get("/session/visits");
			assertThat(page.status()).as(page.toString()).isEqualTo(200);
			JsonNode answer = Json.parse(page.body());
			assertThat(answer.get("visits").asInt()).as("visit " + visit + ": " + page.body()).isEqualTo(visit);
			pids.add(answer.get("pid").asLong());
		}
		assertThat(pids).as("both workers served the session").hasSize(2);
		forker.assertNoErrorsLogged();
	}

	/**
	 * Visit the account page 20 times, each on a new connection, until both workers have
	 * served it: every visit is recognised, and counts on from the last.
	 */
	private static int visitsOnBothWorkers(Browser browser, int visits) throws Exception {
		Set<Long> pids = new HashSet<>();
		int count = visits;
		for (int i = 0; i < 20 || pids.size() < 2; i++) {
			assertThat(i).as("both workers served the session within 200 requests").isLessThan(200);
			Browser.Page page = browser.get("/account");
			assertThat(page.status()).as("request " + (i + 1) + " after the login: " + page).isEqualTo(200);
			JsonNode account = Json.parse(page.body());
			assertThat(account.get("user").asString()).isEqualTo("betty");
			count++;
			assertThat(account.get("visits").asInt()).as(page.body()).isEqualTo(count);
			pids.add(account.get("pid").asLong());
		}
		return count;
	}

}
