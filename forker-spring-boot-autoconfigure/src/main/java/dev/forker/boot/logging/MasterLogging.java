package dev.forker.boot.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationStartingEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * Makes the lightweight master log the way the application does. The application's JVM
 * hands over the properties that shape logging (from its configuration files and command
 * line; the environment variables and system properties reach the master JVM by
 * themselves), and the master initializes Spring Boot's own logging system with them: the
 * same structured formats, patterns, levels, groups, log files and
 * {@code logback-spring.xml}.
 *
 * @since 0.1.0
 */
public final class MasterLogging {

	private static final Set<String> PREFIXES = Set.of("logging.", "spring.application.", "spring.profiles.",
			"spring.output.ansi.");

	private static final Set<String> NAMES = Set.of("debug", "trace");

	private static final Set<String> SKIPPED_SOURCES = Set.of(
			StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
			StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME, "configurationProperties");

	private MasterLogging() {
	}

	/**
	 * Return the properties of an application's environment that shape logging, resolved.
	 * @param environment the application's environment
	 * @return the properties, by name
	 */
	public static Map<String, String> properties(ConfigurableEnvironment environment) {
		Map<String, String> properties = new LinkedHashMap<>();
		for (PropertySource<?> source : environment.getPropertySources()) {
			if (source instanceof EnumerablePropertySource<?> enumerable
					&& !SKIPPED_SOURCES.contains(source.getName())) {
				for (String name : enumerable.getPropertyNames()) {
					if (isLoggingProperty(name) && !properties.containsKey(name)) {
						String value = environment.getProperty(name);
						if (value != null) {
							properties.put(name, value);
						}
					}
				}
			}
		}
		return properties;
	}

	private static boolean isLoggingProperty(String name) {
		return NAMES.contains(name) || PREFIXES.stream().anyMatch(name::startsWith);
	}

	/**
	 * Initialize Spring Boot's logging system in this JVM from the given properties.
	 * @param properties the properties, as {@link #properties(ConfigurableEnvironment)}
	 * returned them
	 * @param classLoader the class loader to load the logging system and its
	 * configuration with
	 */
	public static void initialize(Map<String, String> properties, ClassLoader classLoader) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("forkerMasterLogging", new LinkedHashMap<>(properties)));
		SpringApplication application = new SpringApplication();
		application.setResourceLoader(new DefaultResourceLoader(classLoader));
		DefaultBootstrapContext bootstrapContext = new DefaultBootstrapContext();
		String[] args = new String[0];
		LoggingApplicationListener listener = new LoggingApplicationListener();
		listener.onApplicationEvent(new ApplicationStartingEvent(bootstrapContext, application, args));
		listener.onApplicationEvent(
				new ApplicationEnvironmentPreparedEvent(bootstrapContext, application, args, environment));
	}

}
