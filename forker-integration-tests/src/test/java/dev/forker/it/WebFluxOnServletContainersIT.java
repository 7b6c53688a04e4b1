package dev.forker.it;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.forker.it.ForkerProcess.ServerJars;
import dev.forker.it.SharedDeployments.Deployment;
import dev.forker.it.apps.reactive.ReactiveApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring WebFlux application served by Tomcat or Jetty instead of Reactor Netty works
 * in both modes: Spring Boot builds a reactive Tomcat or Jetty server, and forker's
 * customizers for those servers apply to it as to their servlet counterparts. Shared mode
 * is that of the {@link SharedDeployments shared deployments}, whose workers
 * {@link RestartUnderLoadIT} replaces under load.
 */
class WebFluxOnServletContainersIT {

	@ParameterizedTest(name = "WebFlux on {0} in shared mode")
	@CsvSource({ "Tomcat, WEBFLUX_ON_TOMCAT", "Jetty, WEBFLUX_ON_JETTY" })
	void everyWorkerOfASharedDeploymentServesTheReactiveApplication(String server, Deployment deployment)
			throws Exception {
		ForkerProcess forker = SharedDeployments.get(deployment);
		Map<Long, WorkerAnswer> answers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
		assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
		String output = forker.fullOutput();
		assertThat(output).contains("(shared mode)")
			.contains(server + " started on port " + forker.port())
			.doesNotContain("Netty started");
		assertThat(output.split(server + " started on port ", -1).length - 1).as("one server start per worker")
			.isEqualTo(forker.startedWorkers().size());
		forker.assertNoErrorsLogged();
	}

	@ParameterizedTest(name = "WebFlux on {0} in reuseport mode")
	@CsvSource({ "Tomcat", "Jetty" })
	void everyWorkerServesTheReactiveApplication(String server) throws Exception {
		String mode = "reuseport";
		ServerJars[] without = server.equals("Tomcat") ? new ServerJars[] { ServerJars.JETTY, ServerJars.REACTOR_NETTY }
				: new ServerJars[] { ServerJars.TOMCAT, ServerJars.REACTOR_NETTY };
		try (ForkerProcess forker = ForkerProcess.mainClass(ReactiveApplication.class, without)
			.name("webflux-on-" + server.toLowerCase(Locale.ROOT) + "-" + mode)
			.jvmOption("--enable-native-access=ALL-UNNAMED")
			.args("--forker.enabled=true", "--forker.workers=2", "--forker.mode=" + mode)
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Map<Long, WorkerAnswer> answers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
			String output = forker.output();
			assertThat(output).contains("(" + mode + " mode)")
				.contains(server + " started on port " + forker.port())
				.doesNotContain("Netty started");
			assertThat(output.split(server + " started on port ", -1)).as("one server start per worker").hasSize(3);
			Set<Long> workers = forker.startedPids();
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + forker.tail()).isZero();
			assertThat(forker.livePids(workers)).isEmpty();
			forker.assertNoErrorsLogged();
		}
	}

}
