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

/**
 * Prepares the environment of a master or a worker:
 * <ul>
 * <li>every log line says which process wrote it: {@code [master]} or {@code [worker-N]}
 * is appended to {@code logging.pattern.level} (which Spring Boot's console and file
 * patterns include), and structured logs get a {@code forker.process} member;</li>
 * <li>in a worker, the ports are the ones the master resolved (a configured {@code 0}
 * becomes the port the master bound for everyone);</li>
 * <li>workers other than worker 1 skip the banner unless {@code spring.main.banner-mode}
 * is set.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public class ForkerEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/**
	 * Name of the property source this post-processor adds.
	 */
	public static final String PROPERTY_SOURCE_NAME = "forker";

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
		}
		else if (role == ProcessRole.MASTER) {
			tag = "master";
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
	}

}
