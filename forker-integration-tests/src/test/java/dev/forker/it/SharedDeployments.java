package dev.forker.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import tools.jackson.databind.JsonNode;

import dev.forker.it.ForkerProcess.ServerJars;
import dev.forker.it.apps.reactive.ReactiveApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deployments that integration tests share: a worker JVM costs seconds to start on 2
 * cores, so each deployment below is started once, the first time a test asks for it, and
 * kept for the rest of the run (JUnit stops it when the run ends).
 * <p>
 * A test asks for one with a parameter of type {@link ForkerProcess} annotated with
 * {@link Shared}, on a test method, a constructor or a {@code @BeforeEach} or
 * {@code @BeforeAll} method of a class extended with this resolver (or with
 * {@link #get(Deployment)} where the deployment is a test's argument). It gets the
 * deployment once every worker is ready and no rolling restart is under way, as a
 * {@link ForkerProcess#view() view}: its {@link ForkerProcess#output() output} and
 * {@link ForkerProcess#assertNoErrorsLogged() ERROR lines} are those logged since, and
 * closing it leaves the deployment running.
 * <p>
 * A test may restart, kill, scale or replace workers of a shared deployment, as an
 * operator would, but leaves it as it found it: the configured number of workers, all
 * ready, the master never stopped or paused. Start a deployment of the test's own
 * ({@link ForkerProcess#jar}) only for what none here has: settings given at start, or a
 * master the test stops, kills, pauses or replaces.
 */
final class SharedDeployments implements ParameterResolver {

	private static final Namespace NAMESPACE = Namespace.create(SharedDeployments.class);

	private static final Map<Deployment, Started> started = new EnumMap<>(Deployment.class);

	static {
		// When the run ends: a backstop for tests that asked without the extension
		Runtime.getRuntime().addShutdownHook(new Thread(SharedDeployments::stopAll, "shared-deployments-stop"));
	}

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		return parameter.getParameter().getType() == ForkerProcess.class && parameter.isAnnotated(Shared.class);
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		// JUnit closes what its root store holds when the run ends
		context.getRoot().getStore(NAMESPACE).computeIfAbsent(Stopper.class, (key) -> new Stopper(), Stopper.class);
		try {
			return get(parameter.findAnnotation(Shared.class).orElseThrow().value());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return a view of a shared deployment once it is ready, starting it if no test did
	 * yet.
	 * @param deployment the deployment
	 * @return a view of it from now on
	 */
	static ForkerProcess get(Deployment deployment) throws IOException {
		Started deployed;
		synchronized (started) {
			deployed = started.computeIfAbsent(deployment, Started::new);
		}
		return deployed.ready();
	}

	private static void stopAll() {
		synchronized (started) {
			started.values().forEach(Started::close);
			started.clear();
		}
	}

	/**
	 * Stops every shared deployment when JUnit closes its root store, at the end of the
	 * run.
	 */
	private static final class Stopper implements AutoCloseable {

		@Override
		public void close() {
			stopAll();
		}

	}

	/**
	 * Asks for a shared deployment.
	 */
	@Target(ElementType.PARAMETER)
	@Retention(RetentionPolicy.RUNTIME)
	@interface Shared {

		/**
		 * The deployment.
		 * @return the deployment
		 */
		Deployment value();

	}

	/**
	 * The shared deployments. Add settings to one only if no test of it sees them (a test
	 * of defaults needs the defaults).
	 */
	enum Deployment {

		/**
		 * The Spring MVC sample on Tomcat, shared mode, as operators run it: started
		 * under {@code nohup} (so with {@code SIGHUP} ignored, which the master handles
		 * all the same), write access to the forker endpoint, heartbeats every 500 ms (so
		 * that the status shows connections at once), a hung worker taken as hung after 3
		 * s, and a restart budget that {@link FaultsIT}'s chaos does not use up.
		 */
		WEBMVC(2,
				() -> ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
					.name("shared-webmvc")
					.wrappedIn("nohup")
					.args("--forker.workers=2", "--forker.worker.heartbeat-interval=500ms",
							"--forker.worker.heartbeat-timeout=3s", "--forker.restart.initial-backoff=100ms",
							"--forker.restart.max-restarts=1000", "--management.endpoint.forker.access=unrestricted")),

		/**
		 * The Spring MVC sample on Jetty, shared mode, heartbeats every 500 ms.
		 */
		JETTY(2, () -> ForkerProcess.jar(ForkerProcess.sampleJar("sample-jetty"))
			.name("shared-jetty")
			.args("--forker.workers=2", "--forker.worker.heartbeat-interval=500ms",
					"--forker.restart.initial-backoff=100ms")),

		/**
		 * The Spring WebFlux sample on Reactor Netty, shared mode, heartbeats every 500
		 * ms.
		 */
		WEBFLUX(2,
				() -> ForkerProcess.jar(ForkerProcess.sampleJar("sample-webflux"))
					.name("shared-webflux")
					.args("--forker.workers=2", "--forker.worker.heartbeat-interval=500ms",
							"--forker.restart.initial-backoff=100ms")),

		/**
		 * A Spring WebFlux application on Tomcat (Spring Boot's reactive Tomcat server),
		 * launched from a class path, shared mode, the forker endpoint exposed.
		 */
		WEBFLUX_ON_TOMCAT(2, () -> reactive("tomcat", ServerJars.JETTY, ServerJars.REACTOR_NETTY)),

		/**
		 * A Spring WebFlux application on Jetty, launched from a class path, shared mode,
		 * the forker endpoint exposed.
		 */
		WEBFLUX_ON_JETTY(2, () -> reactive("jetty", ServerJars.TOMCAT, ServerJars.REACTOR_NETTY));

		private final int workers;

		private final Supplier<ForkerProcess.Builder> builder;

		Deployment(int workers, Supplier<ForkerProcess.Builder> builder) {
			this.workers = workers;
			this.builder = builder;
		}

		int workers() {
			return this.workers;
		}

		private static ForkerProcess.Builder reactive(String server, ServerJars... without) {
			return ForkerProcess.mainClass(ReactiveApplication.class, without)
				.name("shared-webflux-on-" + server)
				.jvmOption("--enable-native-access=ALL-UNNAMED")
				.args("--forker.enabled=true", "--forker.workers=2", "--forker.worker.heartbeat-interval=500ms",
						"--forker.restart.initial-backoff=100ms",
						// What the samples expose: the tests read the master's view
						"--management.endpoints.web.exposure.include=health,forker");
		}

	}

	/**
	 * A started shared deployment, stopped when the run ends.
	 */
	private static final class Started implements AutoCloseable {

		private final Deployment deployment;

		private final ForkerProcess forker;

		Started(Deployment deployment) {
			this.deployment = deployment;
			try {
				this.forker = deployment.builder.get().start();
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not start the shared deployment " + deployment, ex);
			}
			try {
				this.forker.awaitOutput("All " + deployment.workers() + " workers are ready", Duration.ofSeconds(120));
			}
			catch (RuntimeException | Error ex) {
				this.forker.close();
				throw ex;
			}
		}

		/**
		 * Wait until the deployment is as every test expects it, and return a view of it.
		 */
		ForkerProcess ready() throws IOException {
			assertThat(this.forker.process().isAlive())
				.as("the shared deployment " + this.deployment + " runs (a test stopped it?)" + this.forker.tail())
				.isTrue();
			HttpProbe.Response endpoint = HttpProbe.get(this.forker.port(), "/actuator/forker");
			assertThat(endpoint.status())
				.as("/actuator/forker of the shared deployment %s: expose it (management.endpoints.web.exposure"
						+ ".include) on the server port", this.deployment)
				.isNotEqualTo(404);
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
				JsonNode status = this.forker.status();
				assertThat(status.at("/master/configuredWorkers").asInt())
					.as("configured workers of the shared deployment " + this.deployment + " (a test scaled it?)")
					.isEqualTo(this.deployment.workers());
				assertThat(status.at("/master/rollingRestart").isNull()).as("no rolling restart under way").isTrue();
				List<String> states = new ArrayList<>();
				status.get("workers").forEach((worker) -> states.add(worker.get("state").asString()));
				assertThat(states).as("worker states").hasSize(this.deployment.workers()).containsOnly("ready");
			});
			this.forker.awaitDistinctWorkers(this.deployment.workers(), Duration.ofSeconds(30));
			return this.forker.view();
		}

		@Override
		public void close() {
			this.forker.close();
		}

	}

}
