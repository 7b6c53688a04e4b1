package dev.forker.boot.launch;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.forker.boot.worker.WorkerEnvironment;

/**
 * Tags every log line with the process that wrote it, {@code [master]} or
 * {@code [worker-N]}, by appending the tag to {@code logging.pattern.level} (which Spring
 * Boot's console and file patterns include). Workers other than worker 1 also skip the
 * banner unless {@code spring.main.banner-mode} is set.
 *
 * @since 0.1.0
 */
public class ForkerLoggingEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/**
	 * Name of the property source this post-processor adds.
	 */
	public static final String PROPERTY_SOURCE_NAME = "forkerLogging";

	private static final String LEVEL_PATTERN = "logging.pattern.level";

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
		if (worker != null && worker.workerId() != 1 && !environment.containsProperty("spring.main.banner-mode")) {
			properties.put("spring.main.banner-mode", "off");
		}
		environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
	}

}
