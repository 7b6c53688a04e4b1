package dev.forker.boot.launch;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;
import dev.forker.boot.posix.NativeSockets;
import dev.forker.boot.posix.PosixProcesses;

/**
 * Prepares the environment of a master or a worker:
 * <ul>
 * <li>every log line says which process wrote it: {@code [master]} or {@code [worker-N]}
 * is appended to {@code logging.pattern.level} (which Spring Boot's console and file
 * patterns include), and structured logs get a {@code forker.process} member;</li>
 * <li>in a worker, the ports are the ones the master resolved (a configured {@code 0}
 * becomes the port the master bound for everyone);</li>
 * <li>workers other than worker 1 skip the banner unless {@code spring.main.banner-mode}
 * is set;</li>
 * <li>each worker has an OpenTelemetry {@code service.instance.id} resource attribute of
 * its own, {@code <host>:<master pid>:<worker id>}, so that the backends of push
 * registries (OTLP) and of traces keep the workers apart, unless the application sets one
 * ({@code management.opentelemetry.resource-attributes.service.instance.id} or
 * {@code OTEL_RESOURCE_ATTRIBUTES}).</li>
 * </ul>
 *
 * @since 0.1.0
 */
public class ForkerEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/**
	 * Name of the property source this post-processor adds.
	 */
	public static final String PROPERTY_SOURCE_NAME = "forker";

	/**
	 * Name of the property source of lowest precedence this post-processor adds in a
	 * worker, with defaults the application may override.
	 */
	public static final String DEFAULTS_PROPERTY_SOURCE_NAME = "forkerDefaults";

	private static final String SERVICE_INSTANCE_ID = "service.instance.id";

	private static final String SERVICE_INSTANCE_ID_PROPERTY = "management.opentelemetry.resource-attributes."
			+ SERVICE_INSTANCE_ID;

	private static final String OTEL_RESOURCE_ATTRIBUTES = "OTEL_RESOURCE_ATTRIBUTES";

	private static final String LEVEL_PATTERN = "logging.pattern.level";

	private static final String STRUCTURED_PROCESS = "logging.structured.json.add.forker.process";

	@Override
	public int getOrder() {
		// After the application's configuration files are loaded
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)) {
			return;
		}
		ProcessRole role = ProcessRole.of(environment);
		WorkerEnvironment worker = WorkerEnvironment.current();
		String tag;
		if (role == ProcessRole.WORKER && worker != null) {
			tag = worker.name();
			if (worker.socketMode() == WorkerSocketMode.INHERITED) {
				// Linked while the application context is refreshed, before the web
				// server adopts the master's socket
				NativeSockets.preload();
			}
		}
		else if (role == ProcessRole.MASTER) {
			tag = "master";
			// Linked while Spring Boot initializes logging, before the master needs them
			PosixProcesses.preload();
		}
		else {
			return;
		}
		Map<String, Object> properties = new HashMap<>();
		properties.put(LEVEL_PATTERN, environment.getProperty(LEVEL_PATTERN, "%5p") + " [" + tag + "]");
		if (!environment.containsProperty(STRUCTURED_PROCESS)) {
			properties.put(STRUCTURED_PROCESS, tag);
		}
		if (worker != null) {
			for (ServedPort port : worker.ports()) {
				properties.put(port.property(), port.port());
			}
			if (worker.workerId() != 1 && !environment.containsProperty("spring.main.banner-mode")) {
				properties.put("spring.main.banner-mode", "off");
			}
		}
		environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
		if (worker != null) {
			addDefaults(environment, worker);
		}
	}

	/**
	 * Add the defaults of a worker, below every other property source, so that the
	 * application's own values win.
	 * @param environment the worker's environment
	 * @param worker the worker
	 */
	static void addDefaults(ConfigurableEnvironment environment, WorkerEnvironment worker) {
		if (!instanceIdFromEnvironmentVariable(environment)) {
			environment.getPropertySources()
				.addLast(new MapPropertySource(DEFAULTS_PROPERTY_SOURCE_NAME,
						Map.of(SERVICE_INSTANCE_ID_PROPERTY, ServiceInstanceId.of(worker))));
		}
	}

	/**
	 * Return whether {@code OTEL_RESOURCE_ATTRIBUTES} sets {@code service.instance.id},
	 * which Spring Boot would let a property override.
	 */
	private static boolean instanceIdFromEnvironmentVariable(ConfigurableEnvironment environment) {
		String attributes = environment.getProperty(OTEL_RESOURCE_ATTRIBUTES);
		if (attributes == null) {
			return false;
		}
		for (String attribute : attributes.split(",")) {
			int equals = attribute.indexOf('=');
			if (equals > 0 && attribute.substring(0, equals).trim().equals(SERVICE_INSTANCE_ID)) {
				return true;
			}
		}
		return false;
	}

}
