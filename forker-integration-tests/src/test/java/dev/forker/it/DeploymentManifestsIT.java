package dev.forker.it;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.forker.boot.ForkerProperties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes example in {@code deploy/kubernetes} agrees with the settings of the
 * sample's {@code kubernetes} profile: ports, probes and health groups, grace period and
 * CPU; and the probes' paths answer on the management port of the sample started with
 * that profile.
 */
class DeploymentManifestsIT {

	private static final String PROFILE = "kubernetes";

	/** Time the master may need to exit after its workers are gone or killed. */
	private static final Duration MASTER_EXIT_MARGIN = Duration.ofSeconds(5);

	private static Map<String, Object> deployment;

	private static Map<String, Object> service;

	private static Binder settings;

	@BeforeAll
	static void load() throws IOException {
		Path project = Path.of(System.getProperty("forker.it.project-dir", "..")).toAbsolutePath().normalize();
		deployment = yaml(project.resolve("deploy/kubernetes/deployment.yaml"));
		service = yaml(project.resolve("deploy/kubernetes/service.yaml"));
		Path resources = project.resolve("samples/forker-sample-webmvc/src/main/resources");
		settings = settings(resources.resolve("application-" + PROFILE + ".yml"), resources.resolve("application.yml"));
	}

	@Test
	void deploymentActivatesTheKubernetesProfile() {
		Object profiles = env(container()).get("SPRING_PROFILES_ACTIVE");
		assertThat(profiles).as("SPRING_PROFILES_ACTIVE of the container").isNotNull();
		assertThat(profiles.toString().split("\\s*,\\s*")).as("SPRING_PROFILES_ACTIVE").contains(PROFILE);
	}

	@Test
	void serviceAndDeploymentSelectThePodsOfTheDeployment() {
		Map<String, Object> podLabels = map(map(map(deployment, "spec"), "template"), "metadata", "labels");
		assertThat(podLabels).containsAllEntriesOf(map(map(deployment, "spec"), "selector", "matchLabels"))
			.containsAllEntriesOf(map(map(service, "spec"), "selector"));
	}

	@Test
	void serviceAndContainerPortsAreThePortsTheApplicationServes() {
		List<Integer> served = List.of(serverPort(), actuatorPort());
		assertThat(containerPorts().values()).as("container ports").contains(serverPort()).isSubsetOf(served);
		List<Integer> targets = list(map(service, "spec"), "ports").stream()
			.map((port) -> resolve(port.get("targetPort")))
			.toList();
		assertThat(targets).as("container ports behind the service ports").contains(serverPort()).isSubsetOf(served);
	}

	@Test
	void actuatorHasAPortOfItsOwnThatTheServiceDoesNotExpose() {
		assertThat(actuatorPort()).as("management.server.port, apart from server.port").isNotEqualTo(serverPort());
		assertThat(containerPorts().values()).as("container ports").contains(actuatorPort());
		List<Integer> targets = list(map(service, "spec"), "ports").stream()
			.map((port) -> resolve(port.get("targetPort")))
			.toList();
		assertThat(targets).as("container ports behind the service ports").doesNotContain(actuatorPort());
	}

	@Test
	void probesAskTheActuatorPortForHealthGroupsOfTheProfile() {
		int actuatorPort = actuatorPort();
		assertThat(exposedEndpoints()).as("management.endpoints.web.exposure.include").containsAnyOf("health", "*");
		for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
			Map<String, Object> httpGet = map(container(), probe, "httpGet");
			assertThat(resolve(httpGet.get("port"))).as("%s port", probe).isEqualTo(actuatorPort);
			assertThat(healthGroupInclude(probe)).as("%s: members of its health group", probe).isNotEmpty();
		}
	}

	@Test
	void probesAnswerOnTheManagementPortOfTheSampleStartedWithTheProfile() throws Exception {
		int managementPort = FreePorts.find();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("kubernetes-profile")
			.args("--spring.profiles.active=" + PROFILE, "--management.server.port=" + managementPort)
			.start()) {
			forker.awaitOutput("All " + workers() + " workers are ready", Duration.ofSeconds(90));
			for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
				String path = map(container(), probe, "httpGet").get("path").toString();
				HttpProbe.Response response = HttpProbe.get(managementPort, path);
				assertThat(response.status()).as("%s %s on the management port", probe, path).isEqualTo(200);
				assertThat(response.body()).as("%s %s", probe, path).contains("\"UP\"");
				assertThat(HttpProbe.get(forker.port(), path).status()).as("%s %s on server.port", probe, path)
					.isEqualTo(404);
			}
		}
	}

	@Test
	void readinessIncludesTheForkerHealthComponent() {
		assertThat(healthGroupInclude("readinessProbe")).as("members of the readiness probe's health group")
			.contains("readinessState", "forker");
	}

	@Test
	void livenessIncludesTheLivenessState() {
		assertThat(healthGroupInclude("livenessProbe")).as("members of the liveness probe's health group")
			.contains("livenessState");
	}

	@Test
	void startupProbeWaitsLongerThanTheWorkerStartupTimeout() {
		Map<String, Object> probe = map(container(), "startupProbe");
		Duration patience = Duration
			.ofSeconds(number(probe, "periodSeconds", 10) * number(probe, "failureThreshold", 3));
		assertThat(patience).as("startupProbe periodSeconds x failureThreshold")
			.isGreaterThan(forker().getWorker().getStartupTimeout());
	}

	@Test
	void gracePeriodCoversThePreStopPauseAndForkerShutdownTimeout() {
		Duration shutdownTimeout = forker().getShutdownTimeout();
		Duration needed = preStopPause().plus(shutdownTimeout).plus(MASTER_EXIT_MARGIN);
		Duration gracePeriod = Duration.ofSeconds(number(podSpec(), "terminationGracePeriodSeconds", 30));
		assertThat(gracePeriod)
			.as("terminationGracePeriodSeconds against preStop pause %s + forker.shutdown-timeout %s + %s",
					preStopPause(), shutdownTimeout, MASTER_EXIT_MARGIN)
			.isGreaterThanOrEqualTo(needed);
	}

	@Test
	void workersStopGracefullyBeforeTheMasterKillsThem() {
		Duration phase = settings.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
			.orElse(Duration.ofSeconds(30));
		assertThat(forker().getShutdownTimeout())
			.as("forker.shutdown-timeout against spring.lifecycle.timeout-per-shutdown-phase")
			.isGreaterThan(phase);
	}

	@Test
	void cpuRequestsAndLimitsGiveEveryWorkerOneProcessor() {
		Map<String, Object> resources = map(container(), "resources");
		BigDecimal limit = cpu(map(resources, "limits").get("cpu"));
		BigDecimal request = cpu(map(resources, "requests").get("cpu"));
		assertThat(request).as("CPU request against CPU limit").isEqualByComparingTo(limit);
		assertThat(limit).as("CPU limit against forker.workers").isEqualByComparingTo(BigDecimal.valueOf(workers()));
	}

	@Test
	void enoughWorkersCanBeReadyForTheReadinessProbe() {
		assertThat(forker().getHealth().getMinReadyWorkers()).as("forker.health.min-ready-workers")
			.isBetween(1, workers());
	}

	private int serverPort() {
		return settings.bind("server.port", Integer.class).orElse(8080);
	}

	private int actuatorPort() {
		return settings.bind("management.server.port", Integer.class).orElseGet(this::serverPort);
	}

	private ForkerProperties forker() {
		return settings.bindOrCreate("forker", ForkerProperties.class);
	}

	private int workers() {
		Integer workers = forker().getWorkers();
		assertThat(workers).as("forker.workers: set it, so that it can be checked against the CPU limit").isNotNull();
		return workers;
	}

	private Set<String> exposedEndpoints() {
		return settings.bind("management.endpoints.web.exposure.include", Bindable.setOf(String.class))
			.orElse(Set.of("health"));
	}

	private Set<String> healthGroupInclude(String probe) {
		String basePath = settings.bind("management.endpoints.web.base-path", String.class).orElse("/actuator");
		String path = map(container(), probe, "httpGet").get("path").toString();
		String prefix = basePath + "/health/";
		assertThat(path).as("%s path", probe).startsWith(prefix);
		String group = path.substring(prefix.length());
		return settings.bind("management.endpoint.health.group." + group + ".include", Bindable.setOf(String.class))
			.orElse(Collections.emptySet());
	}

	private Duration preStopPause() {
		Map<String, Object> lifecycle = map(container(), "lifecycle");
		if (lifecycle.isEmpty()) {
			return Duration.ZERO;
		}
		Map<String, Object> sleep = map(lifecycle, "preStop", "sleep");
		return Duration.ofSeconds(number(sleep, "seconds", 0));
	}

	/**
	 * Resolve a port of the container given by its number or by its name.
	 */
	private int resolve(Object port) {
		if (port instanceof Number number) {
			return number.intValue();
		}
		assertThat(containerPorts()).as("named container ports").containsKey(port.toString());
		return containerPorts().get(port.toString());
	}

	private Map<String, Integer> containerPorts() {
		Map<String, Integer> ports = new LinkedHashMap<>();
		for (Map<String, Object> port : list(container(), "ports")) {
			ports.put(Objects.toString(port.get("name"), ""), ((Number) port.get("containerPort")).intValue());
		}
		return ports;
	}

	private Map<String, Object> env(Map<String, Object> container) {
		Map<String, Object> env = new LinkedHashMap<>();
		list(container, "env").forEach((variable) -> env.put(variable.get("name").toString(), variable.get("value")));
		return env;
	}

	private Map<String, Object> podSpec() {
		return map(map(deployment, "spec"), "template", "spec");
	}

	private Map<String, Object> container() {
		List<Map<String, Object>> containers = list(podSpec(), "containers");
		assertThat(containers).as("containers").hasSize(1);
		return containers.get(0);
	}

	/**
	 * A CPU quantity as Kubernetes writes it: {@code 2}, {@code "1.5"} or {@code 500m}.
	 */
	private static BigDecimal cpu(Object quantity) {
		assertThat(quantity).as("CPU quantity").isNotNull();
		String text = quantity.toString();
		return text.endsWith("m") ? new BigDecimal(text.substring(0, text.length() - 1)).movePointLeft(3)
				: new BigDecimal(text);
	}

	private static long number(Map<String, Object> map, String key, long defaultValue) {
		Object value = map.get(key);
		return (value != null) ? ((Number) value).longValue() : defaultValue;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Map<String, Object> map, String... keys) {
		Map<String, Object> current = map;
		for (String key : keys) {
			Object value = current.get(key);
			current = (value != null) ? (Map<String, Object>) value : Collections.emptyMap();
		}
		return current;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> list(Map<String, Object> map, String key) {
		Object value = map.get(key);
		return (value != null) ? (List<Map<String, Object>>) value : Collections.emptyList();
	}

	private static Map<String, Object> yaml(Path file) throws IOException {
		try (Reader reader = Files.newBufferedReader(file)) {
			return new Yaml().load(reader);
		}
	}

	/**
	 * Spring Boot's view of the profile's settings: the profile's file over
	 * {@code application.yml}, with Boot's own conversions ({@code 40s}, {@code 1m},
	 * {@code readinessState, forker}).
	 */
	private static Binder settings(Path profileFile, Path defaultFile) throws IOException {
		YamlPropertySourceLoader loader = new YamlPropertySourceLoader();
		MutablePropertySources sources = new MutablePropertySources();
		List<PropertySource<?>> loaded = new ArrayList<>();
		loaded.addAll(loader.load(profileFile.getFileName().toString(), new FileSystemResource(profileFile)));
		loaded.addAll(loader.load(defaultFile.getFileName().toString(), new FileSystemResource(defaultFile)));
		loaded.forEach(sources::addLast);
		return new Binder(ConfigurationPropertySources.from(sources));
	}

}
